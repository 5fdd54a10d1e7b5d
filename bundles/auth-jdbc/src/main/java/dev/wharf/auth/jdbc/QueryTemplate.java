package dev.wharf.auth.jdbc;

import java.util.ArrayList;
import java.util.List;

/**
 * A Pure-FTPd query template turned into prepared statements: each placeholder ({@code \L} login, {@code \I} local
 * IP, {@code \P} local port, {@code \R} remote IP, {@code \D} remote IPv4 as a number; letters case-insensitive)
 * becomes a bound {@code ?}, never text in the SQL. A quoted literal that is exactly one placeholder
 * ({@code '\L'}) becomes {@code ?}; one with more text around it becomes {@code CONCAT('a', ?, 'b')}. Other
 * {@code \x} sequences are copied unchanged, control characters are dropped, and {@code ;} outside quotes
 * separates statements.
 */
final class QueryTemplate {

    /** The value a placeholder stands for; {@code numeric} when it was written outside quotes as \P or \D. */
    record Parameter(char placeholder, boolean numeric) {
    }

    record Statement(String sql, List<Parameter> parameters) {
    }

    private final String source;
    private final List<Statement> statements;

    private QueryTemplate(String source, List<Statement> statements) {
        this.source = source;
        this.statements = List.copyOf(statements);
    }

    List<Statement> statements() {
        return statements;
    }

    String source() {
        return source;
    }

    static QueryTemplate compile(String template) {
        StringBuilder cleaned = new StringBuilder(template.length());
        template.chars().filter(c -> c >= 0x20 && c != 0x7f).forEach(c -> cleaned.append((char) c));
        List<Statement> statements = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        List<Parameter> parameters = new ArrayList<>();
        String text = cleaned.toString();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'') {
                i = literal(text, i, sql, parameters);
            } else if (c == '\\' && i + 1 < text.length() && isPlaceholder(text.charAt(i + 1))) {
                char letter = Character.toUpperCase(text.charAt(i + 1));
                sql.append('?');
                parameters.add(new Parameter(letter, letter == 'P' || letter == 'D'));
                i += 2;
            } else if (c == ';') {
                addStatement(statements, sql, parameters);
                i++;
            } else {
                sql.append(c);
                i++;
            }
        }
        addStatement(statements, sql, parameters);
        if (statements.isEmpty()) {
            throw new IllegalArgumentException("empty query");
        }
        return new QueryTemplate(template, statements);
    }

    /** Copies the literal starting at {@code start} (a quote), turning placeholders inside into parameters. */
    private static int literal(String text, int start, StringBuilder sql, List<Parameter> parameters) {
        List<Object> pieces = new ArrayList<>(); // String text pieces and Character placeholders
        StringBuilder piece = new StringBuilder();
        int i = start + 1;
        boolean closed = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'' && i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                piece.append("''");
                i += 2;
            } else if (c == '\'') {
                closed = true;
                i++;
                break;
            } else if (c == '\\' && i + 1 < text.length() && isPlaceholder(text.charAt(i + 1))) {
                if (!piece.isEmpty()) {
                    pieces.add(piece.toString());
                    piece.setLength(0);
                }
                pieces.add(Character.toUpperCase(text.charAt(i + 1)));
                i += 2;
            } else if (c == '\\' && i + 1 < text.length()) {
                piece.append(c).append(text.charAt(i + 1));
                i += 2;
            } else {
                piece.append(c);
                i++;
            }
        }
        if (!closed) {
            throw new IllegalArgumentException("unterminated quote in query");
        }
        if (!piece.isEmpty()) {
            pieces.add(piece.toString());
        }
        boolean hasPlaceholder = pieces.stream().anyMatch(p -> p instanceof Character);
        if (!hasPlaceholder) {
            sql.append('\'').append(pieces.isEmpty() ? "" : (String) pieces.get(0)).append('\'');
        } else if (pieces.size() == 1) {
            sql.append('?');
            parameters.add(new Parameter((Character) pieces.get(0), false));
        } else {
            sql.append("CONCAT(");
            for (int p = 0; p < pieces.size(); p++) {
                if (p > 0) {
                    sql.append(", ");
                }
                if (pieces.get(p) instanceof Character letter) {
                    sql.append('?');
                    parameters.add(new Parameter(letter, false));
                } else {
                    sql.append('\'').append(pieces.get(p)).append('\'');
                }
            }
            sql.append(')');
        }
        return i;
    }

    private static void addStatement(List<Statement> statements, StringBuilder sql, List<Parameter> parameters) {
        String statement = sql.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(new Statement(statement, List.copyOf(parameters)));
        }
        sql.setLength(0);
        parameters.clear();
    }

    private static boolean isPlaceholder(char c) {
        return "LIPRD".indexOf(Character.toUpperCase(c)) >= 0;
    }

    @Override
    public String toString() {
        return source;
    }
}
