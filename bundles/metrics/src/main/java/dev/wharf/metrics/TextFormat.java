package dev.wharf.metrics;

/** The little of Prometheus' text exposition format (version 0.0.4) that Wharf's metrics need. */
final class TextFormat {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private TextFormat() {
    }

    /** The {@code # HELP} and {@code # TYPE} lines of a metric family. */
    static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** {@code name="value",} with the value escaped: backslash, double quote and line feed. */
    static String label(String name, String value) {
        return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\",";
    }

    /** A sample line; {@code labels} as made by {@link #label} (the trailing comma is dropped), or empty. */
    static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels, 0, labels.length() - 1).append('}');
        }
        out.append(' ').append(number(value)).append('\n');
    }

    /** Integers without a fraction, others as Java prints doubles (which Prometheus parses). */
    static String number(double value) {
        if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
