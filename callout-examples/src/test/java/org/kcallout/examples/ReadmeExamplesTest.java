package org.kcallout.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every {@code ```java} block of README.md is the region of an example source that it names, as
 * printed: the examples compile (this module) and run ({@link ExamplesRunTest}), so the README's
 * code cannot rot. The scheme is described in {@link ReadmeExamples}.
 */
final class ReadmeExamplesTest {
    /* Implementation notes: the paths come from system properties that the module's surefire
     * configuration sets from ${project.basedir}; the fallbacks serve a run from an IDE whose
     * working directory is the module. */

    private static Path property(String name, String fallback) {
        String v = System.getProperty(name);
        Path p = Paths.get(v == null || v.isBlank() ? fallback : v).toAbsolutePath().normalize();
        assertTrue(Files.isReadable(p), "-D" + name + " must name a readable path, got " + p);
        return p;
    }

    @Test
    void everyJavaBlockOfTheReadmeIsAnExampleAsPrinted() {
        Path readme = property("readme", "../README.md");
        Path src = property("examples.src", "src/main/java");
        List<String> problems = new ArrayList<>();
        Map<String, ReadmeExamples.Region> regions = ReadmeExamples.regionsUnder(src, problems);
        List<String> md = ReadmeExamples.read(readme);
        problems.addAll(ReadmeExamples.compare("README.md", md, regions));
        assertFalse(ReadmeExamples.javaBlocks(md).isEmpty(), "README.md has no ```java block: wrong file? " + readme);
        if (!problems.isEmpty()) {
            fail("README.md and the examples in " + src + " disagree:\n" + String.join("\n", problems));
        }
    }

    /* ---------------------------------------------------------------------------------------- */
    /* The checker itself                                                                        */

    private static final Map<String, ReadmeExamples.Region> ONE_REGION = ReadmeExamples.regions("A.java", List.of(
            "package p;",
            "// README:begin a",
            "class A {   ",
            "    int x;",
            "}",
            "// README:end a"), new ArrayList<>());

    @Test
    void checker_equalAfterTrailingWhitespaceAndBlankEdges() {
        List<String> md = List.of("text", "<!-- example: a -->", "```java", "", "class A {", "    int x;\t", "}", "```");
        assertEquals(List.of(), ReadmeExamples.compare("R.md", md, ONE_REGION));
    }

    @Test
    void checker_namesTheBlockAndTheFirstDifferingLine() {
        List<String> md = List.of("<!-- example: a -->", "", "```java", "class A {", "    long x;", "}", "```");
        List<String> problems = ReadmeExamples.compare("R.md", md, ONE_REGION);
        assertEquals(1, problems.size(), problems::toString);
        String p = problems.get(0);
        assertTrue(p.contains("example 'a'") && p.contains("line 2 of the block") && p.contains("README line 5")
                && p.contains("source line 4") && p.contains("long x;") && p.contains("int x;"), p);
    }

    @Test
    void checker_blockLongerOrShorterThanItsRegion() {
        List<String> longer = List.of("<!-- example: a -->", "```java", "class A {", "    int x;", "}", "// more", "```");
        assertTrue(ReadmeExamples.compare("R.md", longer, ONE_REGION).get(0).contains("<after the region>"));
        List<String> shorter = List.of("<!-- example: a -->", "```java", "class A {", "```");
        assertTrue(ReadmeExamples.compare("R.md", shorter, ONE_REGION).get(0).contains("<after the block>"));
    }

    @Test
    void checker_javaBlockWithoutMarkerFails_otherBlocksAreIgnored() {
        List<String> md = List.of("<!-- example: a -->", "```java", "class A {", "    int x;", "}", "```",
                "```sh", "echo ```java", "```",
                "Some prose.", "```java", "int y;", "```");
        List<String> problems = ReadmeExamples.compare("R.md", md, ONE_REGION);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("R.md:11: a ```java block without an example marker"), problems.get(0));
    }

    @Test
    void checker_unknownNameAndUnshownRegionFail() {
        List<String> md = List.of("<!-- example: b -->", "```java", "class B {}", "```");
        List<String> problems = ReadmeExamples.compare("R.md", md, ONE_REGION);
        assertEquals(2, problems.size(), problems::toString);
        assertTrue(problems.get(0).contains("example 'b' has no // README:begin b region"), problems.get(0));
        assertTrue(problems.get(1).contains("region 'a' of A.java is shown by no ```java block"), problems.get(1));
    }

    @Test
    void checker_unbalancedMarkersAreReported() {
        List<String> problems = new ArrayList<>();
        ReadmeExamples.regions("B.java", List.of("// README:begin x", "// README:begin y", "// README:end x"), problems);
        assertEquals(2, problems.size(), problems::toString);
        problems.clear();
        ReadmeExamples.regions("C.java", List.of("// README:begin x", "int a;"), problems);
        assertEquals(List.of("C.java: region x is never closed (no // README:end x)"), problems);
        assertNull(ReadmeExamples.firstDifference(
                new ReadmeExamples.Block("a", List.of("class A {", "    int x;", "}"), 1), ONE_REGION.get("a")));
    }
}
