package dev.wharf.launcher.migrate;

/**
 * One Pure-FTPd setting as written: a line of {@code pure-ftpd.conf} or one of Debian's {@code conf/} files.
 *
 * @param key    the key in Pure-FTPd's spelling when it is a known one ({@link PureFtpdKeys}), else as written;
 *               {@code null} for a line that is not "Key value" at all
 * @param value  the value with surrounding spaces and quotes removed ("" when there is none)
 * @param origin where it was read, for the report
 * @param text   the line as written, trimmed (for a Debian file: "Key value")
 */
record Setting(String key, String value, Origin origin, String text) {

    /**
     * Where a setting was read: {@code pure-ftpd.conf:12}, {@code conf/MinUID:1},
     * {@code auth/50pure -> conf/PureDB:1}.
     */
    record Origin(String shownAs, int line) {
        @Override
        public String toString() {
            return shownAs + ":" + line;
        }
    }

    boolean known() {
        return key != null && PureFtpdKeys.isKnown(key);
    }
}
