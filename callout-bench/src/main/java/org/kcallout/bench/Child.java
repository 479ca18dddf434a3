package org.kcallout.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.kcallout.bench.peers.TimerPeer;

/**
 * Runs a measurement in a fresh JVM (same {@code java}, same class path), echoes its output, and
 * returns the fields of the lines it prints as {@code RESULT f1 f2 ...}. The environment variable
 * {@code KCALLOUT_CHILD_JVM_OPTS} adds JVM options to every child (a collector, a heap size).
 */
final class Child {
    private Child() {
    }

    static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * @param main    the class whose {@code main} runs in the child
     * @param jvmArgs JVM options of the child
     * @param args    program arguments
     * @return the fields of every {@code RESULT} line, in order
     */
    static List<String[]> run(Class<?> main, List<String> jvmArgs, List<String> args) {
        return run(main, jvmArgs, args, true);
    }

    /**
     * As {@link #run(Class, List, List)}; with {@code inheritOptions} false the child gets only
     * {@code jvmArgs}, not {@code KCALLOUT_CHILD_JVM_OPTS} (for a workload that needs its own
     * collector).
     */
    static List<String[]> run(Class<?> main, List<String> jvmArgs, List<String> args, boolean inheritOptions) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.addAll(jvmArgs);
        // Extra JVM options for every child (run-quick.sh's JVM_OPTS: a collector, a heap), after
        // the workload's own so that a later -Xmx wins.
        String extra = inheritOptions ? System.getenv("KCALLOUT_CHILD_JVM_OPTS") : null;
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        List<String[]> results = new ArrayList<>();
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("RESULT ")) {
                        results.add(line.substring(7).trim().split("\\s+"));
                    } else {
                        System.out.println("  | " + line);
                    }
                }
            }
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("child " + String.join(" ", args) + " exited with " + rc);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for a child JVM", e);
        }
        return results;
    }

    /** Sleeps {@code nanos}, or polls an owner-polled peer about every millisecond for that long. */
    static void idle(TimerPeer<?> p, long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            if (p != null && p.ownerPolled()) {
                p.poll();
                LockSupport.parkNanos(Math.min(left, 1_000_000L));
            } else {
                LockSupport.parkNanos(left);
            }
        }
    }
}
