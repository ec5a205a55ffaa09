lookout_test(metrics_test LABEL unit SOURCES unit/metrics_test.cc LIBS lookout_common)
lookout_test(redis_cache_test LABEL integration SOURCES integration/redis_cache_test.cc
  LIBS lookout_common)
