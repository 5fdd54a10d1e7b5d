/** Wharf's Prometheus metrics: counted from the core's Event Admin events, served at {@code /metrics}. */
package dev.wharf.metrics;
