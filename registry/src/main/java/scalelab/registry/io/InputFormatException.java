package scalelab.registry.io;

import java.nio.file.Path;

/** Bad user input, located: "FILE:LINE: column 'loss': not a number: 'abc'". */
public final class InputFormatException extends RuntimeException {
    private final Path file;
    private final int line;
    private final String column;

    public InputFormatException(Path file, int line, String column, String problem) {
        super(format(file, line, column, problem));
        this.file = file;
        this.line = line;
        this.column = column;
    }

    private static String format(Path file, int line, String column, String problem) {
        StringBuilder sb = new StringBuilder(String.valueOf(file));
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (column != null) {
            sb.append("column '").append(column).append("': ");
        }
        return sb.append(problem).toString();
    }

    public Path file() {
        return file;
    }

    /** 1-based line number in the file, or 0 when the problem is not on one line. */
    public int line() {
        return line;
    }

    /** The column the problem is in, or null. */
    public String column() {
        return column;
    }
}
