package org.kcallout.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The report of one run of the kit: every case as passed, failed or skipped, written as Markdown
 * and JSON when the suite class has run. {@link CalloutConformance} registers it, so every
 * subclass gets one: {@code <dir>/<SimpleClassName>.md} and {@code .json}, where {@code dir} is the
 * system property {@value #DIR_PROPERTY}, or {@code target/conformance-report} under the working
 * directory (the module's directory under Maven).
 */
public final class ConformanceReport implements TestWatcher, AfterAllCallback {
    /* Implementation notes: JUnit creates one instance per test class that registers it (the
     * class-level @ExtendWith of CalloutConformance), and calls the watcher methods from the
     * threads that ran the cases; `cases` is guarded by this object's monitor. */

    /** The system property that names the report directory. */
    public static final String DIR_PROPERTY = "kcallout.conformance.report";

    /** How a case ended. */
    public enum Status {
        /** The implementation behaved as the case requires. */
        PASSED,
        /** It did not: the message says how. */
        FAILED,
        /** The case needs a capability the implementation did not declare (or was disabled). */
        SKIPPED
    }

    /**
     * One case of the report.
     *
     * @param name    the case (test method) name
     * @param status  how it ended
     * @param message why it failed or was skipped, or empty
     */
    public record Case(String name, Status status, String message) {
    }

    private final List<Case> cases = new ArrayList<>();

    /** A report with no cases yet; JUnit creates one per suite class. */
    public ConformanceReport() {
    }

    /**
     * Records a case.
     *
     * @param c the case
     */
    public synchronized void add(Case c) {
        cases.add(c);
    }

    /** {@return the cases recorded so far, in the order they ended} */
    public synchronized List<Case> cases() {
        return List.copyOf(cases);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        add(new Case(name(context), Status.PASSED, ""));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        add(new Case(name(context), Status.FAILED, String.valueOf(cause.getMessage())));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        add(new Case(name(context), Status.SKIPPED, String.valueOf(cause.getMessage())));
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        add(new Case(name(context), Status.SKIPPED, reason.orElse("disabled")));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String dir = System.getProperty(DIR_PROPERTY, "target/conformance-report");
        write(Path.of(dir), context.getRequiredTestClass().getSimpleName());
    }

    private static String name(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.getName()).orElse(context.getDisplayName());
    }

    /**
     * Writes {@code <dir>/<title>.md} and {@code <dir>/<title>.json}.
     *
     * @param dir   the directory, created if missing
     * @param title the implementation's name (the suite class's simple name)
     * @throws UncheckedIOException if the files cannot be written
     */
    public void write(Path dir, String title) {
        List<Case> all = cases();
        StringBuilder md = new StringBuilder("# Conformance report: ").append(title).append("\n\n");
        long passed = all.stream().filter(c -> c.status() == Status.PASSED).count();
        long failed = all.stream().filter(c -> c.status() == Status.FAILED).count();
        long skipped = all.stream().filter(c -> c.status() == Status.SKIPPED).count();
        md.append(passed).append(" passed, ").append(failed).append(" failed, ").append(skipped)
                .append(" skipped.\n\n| case | status | message |\n|---|---|---|\n");
        StringBuilder json = new StringBuilder("{\"implementation\":").append(quote(title)).append(",\"cases\":[");
        for (int i = 0; i < all.size(); i++) {
            Case c = all.get(i);
            md.append("| `").append(c.name()).append("` | ").append(c.status().name().toLowerCase()).append(" | ")
                    .append(c.message().replace("|", "\\|").replace("\n", " ")).append(" |\n");
            json.append(i == 0 ? "" : ",").append("{\"case\":").append(quote(c.name())).append(",\"status\":")
                    .append(quote(c.status().name().toLowerCase())).append(",\"message\":").append(quote(c.message()))
                    .append('}');
        }
        json.append("]}\n");
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(title + ".md"), md, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(title + ".json"), json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("conformance report: cannot write to " + dir, e);
        }
    }

    /** A JSON string literal. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
