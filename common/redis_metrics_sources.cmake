set(LOOKOUT_REDIS_METRICS_SOURCES redis_pool.cc redis_cache.cc metrics.cc metrics_exposer.cc
  metrics_interceptor.cc process_metrics.cc)
