package org.kcallout.demo;

import java.util.Locale;
import java.util.function.Function;

/**
 * Command-line options of the demo.
 *
 * @param connections simulated connections
 * @param seconds     run time on the real-time clock
 * @param threads     driver threads
 * @param rate        total driver events per second, over all threads
 * @param seed        seed of the drivers' generators
 * @param help        {@code --help} was given
 * @param mode        the event-timer mode
 * @param driver      the event timer (never null: the default is resolved from the mode)
 * @param idle        {@code --idle}: no traffic, only keepalive timers
 * @param cpus        callout CPUs (each with its own wheel and softclock thread)
 */
record Options(int connections, int seconds, int threads, int rate, long seed, boolean help, Mode mode,
               TimerDriver driver, boolean idle, int cpus) {

    static final int DEFAULT_CONNECTIONS = 4000;
    static final int DEFAULT_SECONDS = 5;
    static final int DEFAULT_THREADS = 2;
    static final int DEFAULT_RATE = 50_000;
    static final Mode DEFAULT_MODE = Mode.ONESHOT;

    /** {@code kern.eventtimer.periodic}: how the event timer is programmed. */
    enum Mode {
        /** A timer interrupt every period, whatever is pending ({@code kern.eventtimer.periodic=1}). */
        PERIODIC,
        /** Tickless: the timer is programmed for the next event only (the default). */
        ONESHOT;

        /** {@return the option's spelling} */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The event timer under the callout system. */
    enum TimerDriver {
        /**
         * The eventtimers(9) clock source ({@code EventTimerClock}, a port of
         * {@code kern_clocksource.c}) on the real-time driver ({@code RealTimeTimerDriver}), in the
         * chosen mode.
         */
        REALTIME,
        /** The simple tickless clock ({@code RealTimeTicklessClock}), one-shot only: the library's default. */
        TICKLESS;

        /** {@return the option's spelling} */
        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: Demo [--connections N] [--seconds N] [--threads N] [--rate N] [--seed N]",
            "            [--mode periodic|oneshot] [--driver realtime|tickless] [--idle] [--help]",
            "  --connections N  simulated connections, 1..1000000 (default " + DEFAULT_CONNECTIONS + ")",
            "  --seconds N      run time on the real-time clock, 1..86400 (default " + DEFAULT_SECONDS + ")",
            "  --threads N      driver threads, 1..64 (default " + DEFAULT_THREADS + ")",
            "  --cpus N         callout CPUs, 1..256; connection i uses CPU i % N (default 1)",
            "  --rate N         driver events per second, all threads together, 1..10000000 (default "
                    + DEFAULT_RATE + ")",
            "  --seed N         seed of the drivers' random generators (default: random, printed)",
            "  --mode M         event-timer mode: periodic (an interrupt every timer period) or oneshot",
            "                   (tickless: an interrupt only when something is due) (default oneshot)",
            "  --driver D       event timer: realtime (the eventtimers(9) clock source on a nanoTime",
            "                   driver, periodic or oneshot) or tickless (the library's default",
            "                   one-shot clock, oneshot only) (default: tickless, or realtime with",
            "                   --mode periodic)",
            "  --idle           no traffic: no driver threads; each connection only arms its keepalive",
            "                   (then probes once a second); --rate and --threads do not apply",
            "  --help           print this and exit",
            "Each option also accepts the form --name=value. The last line ends with interrupts=N,",
            "the event-timer interrupts taken. Exit status: 0 if every callout was accounted for,",
            "1 if any was lost or fired twice, 2 for bad options.",
            "");

    /** A command line the demo cannot use; the message says what is wrong. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses the command line.
     *
     * @param args        the arguments
     * @param defaultSeed the seed when {@code --seed} is absent
     * @return the options
     * @throws UsageException for an unknown option, a missing or malformed value, a value out of
     *                        range, or options that do not go together ({@code --driver tickless}
     *                        with {@code --mode periodic}; {@code --idle} with {@code --rate} or
     *                        {@code --threads})
     */
    static Options parse(String[] args, long defaultSeed) throws UsageException {
        int connections = DEFAULT_CONNECTIONS;
        int seconds = DEFAULT_SECONDS;
        int threads = DEFAULT_THREADS;
        int rate = DEFAULT_RATE;
        long seed = defaultSeed;
        boolean help = false;
        Mode mode = DEFAULT_MODE;
        TimerDriver driver = null; // null: chosen from the mode below
        boolean idle = false;
        int cpus = 1;
        boolean trafficOption = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h") || name.equals("--idle")) {
                if (value != null) {
                    throw new UsageException(name + " takes no value, got '" + arg + "'");
                }
                if (name.equals("--idle")) {
                    idle = true;
                } else {
                    help = true;
                }
                continue;
            }
            if (!name.equals("--connections") && !name.equals("--seconds") && !name.equals("--threads")
                    && !name.equals("--rate") && !name.equals("--seed") && !name.equals("--mode")
                    && !name.equals("--cpus")
                    && !name.equals("--driver")) {
                throw new UsageException("unknown option '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new UsageException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--connections":
                    connections = intIn(name, value, 1, 1_000_000);
                    break;
                case "--seconds":
                    seconds = intIn(name, value, 1, 86_400);
                    break;
                case "--threads":
                    threads = intIn(name, value, 1, 64);
                    trafficOption = true;
                    break;
                case "--rate":
                    rate = intIn(name, value, 1, 10_000_000);
                    trafficOption = true;
                    break;
                case "--seed":
                    seed = parseLong(name, value);
                    break;
                case "--cpus":
                    cpus = intIn(name, value, 1, 256);
                    break;
                case "--mode":
                    mode = choice(name, value, Mode.values(), Mode::label);
                    break;
                case "--driver":
                    driver = choice(name, value, TimerDriver.values(), TimerDriver::label);
                    break;
                default:
                    throw new IllegalStateException("option table and switch disagree on " + name);
            }
        }
        if (driver == null) {
            // The library's default clock (tickless) unless periodic mode asks for the clock source.
            driver = mode == Mode.PERIODIC ? TimerDriver.REALTIME : TimerDriver.TICKLESS;
        }
        if (driver == TimerDriver.TICKLESS && mode == Mode.PERIODIC) {
            throw new UsageException("--driver tickless is one-shot only; use --driver realtime with --mode periodic");
        }
        if (idle && trafficOption) {
            throw new UsageException("--idle sends no traffic: --rate and --threads do not apply");
        }
        return new Options(connections, seconds, threads, rate, seed, help, mode, driver, idle, cpus);
    }

    private static <E> E choice(String name, String value, E[] values, Function<E, String> label)
            throws UsageException {
        StringBuilder allowed = new StringBuilder();
        for (E e : values) {
            if (label.apply(e).equals(value.trim())) {
                return e;
            }
            allowed.append(allowed.length() == 0 ? "" : " or ").append(label.apply(e));
        }
        throw new UsageException(name + " must be " + allowed + ", got '" + value + "'");
    }

    private static int intIn(String name, String value, int min, int max) throws UsageException {
        long v = parseLong(name, value);
        if (v < min || v > max) {
            throw new UsageException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
        return (int) v;
    }

    private static long parseLong(String name, String value) throws UsageException {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(name + " needs an integer, got '" + value + "'");
        }
    }
}
