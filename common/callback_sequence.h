// The order gRPC gives the callbacks of one call, stated in our code.
//
// gRPC runs the steps of one call one after another (an interceptor's construction, its hooks
// and its destruction; a reactor's construction and its reactions that no lock orders), but not
// on one thread: whichever thread completes a batch runs the next step, ordered by the call
// combiner and completion queues inside libgrpc. State that only those steps touch needs no lock.
// ThreadSanitizer cannot see that order in an uninstrumented gRPC (Debian's), so it reports such
// state as racing. A CallbackSequence makes the order explicit: each step acquires the sequence
// when it starts and releases it when it ends, so every step happens-after the previous one for
// the C++ memory model and for TSan alike. It orders; it does not exclude (steps that gRPC may run
// at once, such as a stream's read and write reactions, still need a lock for what they share).
// Cost: two uncontended atomic operations per step.
#ifndef LOOKOUT_COMMON_CALLBACK_SEQUENCE_H_
#define LOOKOUT_COMMON_CALLBACK_SEQUENCE_H_

#include <atomic>
#include <cstdint>

namespace lookout {

class CallbackSequence {
 public:
  // A step: acquires at construction, releases at destruction. The constructor of the object
  // that holds the sequence ends with Release() instead, so the first step sees what it set.
  // A step must end before the code hands the call back to gRPC (an interceptor's Proceed, a
  // reactor's Finish): from then on gRPC may destroy the object, sequence and all.
  class Step {
   public:
    explicit Step(CallbackSequence& sequence) : sequence_(sequence) { sequence_.Acquire(); }
    ~Step() { sequence_.Release(); }
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;

   private:
    CallbackSequence& sequence_;
  };

  // What this thread did so far is visible to the step that acquires next.
  void Release() { steps_.fetch_add(1, std::memory_order_release); }
  // Everything the steps before this one did is visible from here on. gRPC already ordered them,
  // so this load reads the last step's release (or a later one) and synchronises with it.
  void Acquire() const { (void)steps_.load(std::memory_order_acquire); }

 private:
  std::atomic<uint32_t> steps_{0};
};

}  // namespace lookout

#endif  // LOOKOUT_COMMON_CALLBACK_SEQUENCE_H_
