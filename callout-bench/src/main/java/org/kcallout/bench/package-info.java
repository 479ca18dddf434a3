/**
 * JMH benchmarks and measurement programs that run the same workloads on kcallout and on its peers
 * (issue 3). Each class's Javadoc gives its exact run command; {@code callout-bench/run-quick.sh}
 * runs a quick version of all of them and {@link org.kcallout.bench.report.BenchReport} turns the
 * JSON into Markdown and a PNG.
 *
 * <table>
 *   <caption>Workloads</caption>
 *   <tr><th>#</th><th>workload</th><th>class</th></tr>
 *   <tr><td>1</td><td>arm + cancel with 0, 10 000, 1 000 000 pending</td><td>{@link org.kcallout.bench.ArmCancelBenchmark}</td></tr>
 *   <tr><td>2</td><td>re-arm one timer, fixed and random delay</td><td>{@link org.kcallout.bench.RearmBenchmark}</td></tr>
 *   <tr><td>3</td><td>expiry throughput, 1 000 000 timers due within 100 ms</td><td>{@link org.kcallout.bench.ExpiryBenchmark}</td></tr>
 *   <tr><td>4</td><td>retained bytes per pending timer, idle CPU (a main program)</td><td>{@link org.kcallout.bench.RetainedMemory}</td></tr>
 *   <tr><td>5</td><td>lateness p50/p90/p99 at 10 ms, precision 0 (a main program)</td><td>{@link org.kcallout.bench.Lateness}</td></tr>
 *   <tr><td>6</td><td>kcallout only: reset + stop contended from 2 threads</td><td>{@link org.kcallout.bench.ContendedBenchmark}</td></tr>
 * </table>
 *
 * <p>Workloads 4 and 5 are plain {@code main} programs rather than JMH benchmarks: neither is a
 * time per operation (one is a heap delta and a CPU-time ratio, the other a histogram of a quantity
 * the handler observes), and each peer must run in a fresh JVM so that one peer's threads, garbage and
 * JIT work do not show up in the next one's figures. They write JSON shaped like JMH's, so one report
 * tool reads everything.
 *
 * <p><b>No {@code module-info.java}, on purpose.</b> This module is not published and runs from a
 * shaded jar on the class path: JMH's generated code, its reflective access to the benchmark
 * classes, and the merged dependencies (several of them automatic modules, split across packages
 * once shaded) all work best there. The engine is still compiled and tested as modules in its own
 * modules; here it is simply used as a library.
 *
 * <p>Thread-safety: benchmark state follows JMH's {@code @State} scopes; the mains are
 * single-threaded apart from the timer threads they measure. May depend on every module of the
 * project and on the peers pinned in this module's POM.
 */
package org.kcallout.bench;
