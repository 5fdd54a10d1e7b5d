package dev.wharf.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** Observations counted into fixed buckets, as a Prometheus histogram: cumulative buckets, sum and count. */
final class Histogram {

    private final double[] upperBounds;
    private final LongAdder[] buckets;
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();

    /** {@code upperBounds}: ascending; {@code +Inf} is implied. */
    Histogram(double... upperBounds) {
        this.upperBounds = upperBounds.clone();
        this.buckets = new LongAdder[upperBounds.length];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void observe(double value) {
        for (int i = 0; i < upperBounds.length; i++) {
            if (value <= upperBounds[i]) {
                buckets[i].increment();
                break;
            }
        }
        sum.add(value);
        count.increment();
    }

    /** Writes the {@code _bucket}, {@code _sum} and {@code _count} lines; {@code labels} is {@code a="b",} or empty. */
    void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < upperBounds.length; i++) {
            cumulative += buckets[i].sum();
            out.append(name).append("_bucket{").append(labels).append("le=\"")
                    .append(TextFormat.number(upperBounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        long total = count.sum();
        out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(total).append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(name).append("_sum").append(braces).append(' ').append(TextFormat.number(sum.sum())).append('\n');
        out.append(name).append("_count").append(braces).append(' ').append(total).append('\n');
    }
}
