package org.kcallout.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ConformanceReport}: the Markdown and JSON it writes. */
final class ConformanceReportTest {
    @Test
    void write_listsEveryCaseWithItsStatus_inMarkdownAndJson(@TempDir Path dir) throws IOException {
        ConformanceReport r = new ConformanceReport();
        r.add(new ConformanceReport.Case("spec06_armIdle", ConformanceReport.Status.PASSED, ""));
        r.add(new ConformanceReport.Case("spec20_stopPending", ConformanceReport.Status.FAILED,
                "callout_stop of a pending callout ==> expected: <1> but was: <0> | \"quoted\""));
        r.add(new ConformanceReport.Case("spec45_migration", ConformanceReport.Status.SKIPPED, "SMP not declared"));
        r.write(dir, "MySystemTest");

        String md = Files.readString(dir.resolve("MySystemTest.md"));
        assertTrue(md.contains("1 passed, 1 failed, 1 skipped."), md);
        assertTrue(md.contains("| `spec20_stopPending` | failed | callout_stop of a pending callout ==> expected: <1> "
                + "but was: <0> \\| \"quoted\" |"), md);
        assertTrue(md.contains("| `spec45_migration` | skipped | SMP not declared |"), md);

        String json = Files.readString(dir.resolve("MySystemTest.json"));
        assertEquals("{\"implementation\":\"MySystemTest\",\"cases\":["
                + "{\"case\":\"spec06_armIdle\",\"status\":\"passed\",\"message\":\"\"},"
                + "{\"case\":\"spec20_stopPending\",\"status\":\"failed\",\"message\":\"callout_stop of a pending callout "
                + "==> expected: <1> but was: <0> | \\\"quoted\\\"\"},"
                + "{\"case\":\"spec45_migration\",\"status\":\"skipped\",\"message\":\"SMP not declared\"}]}\n", json);
    }
}
