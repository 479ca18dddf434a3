package org.kcallout.demo;

/**
 * Command-line options of the demo.
 *
 * @param connections simulated connections
 * @param seconds     run time on the real-time clock
 * @param threads     driver threads
 * @param rate        total driver events per second, over all threads
 * @param seed        seed of the drivers' generators
 * @param help        {@code --help} was given
 */
record Options(int connections, int seconds, int threads, int rate, long seed, boolean help) {

    static final int DEFAULT_CONNECTIONS = 4000;
    static final int DEFAULT_SECONDS = 5;
    static final int DEFAULT_THREADS = 2;
    static final int DEFAULT_RATE = 50_000;

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: Demo [--connections N] [--seconds N] [--threads N] [--rate N] [--seed N] [--help]",
            "  --connections N  simulated connections, 1..1000000 (default " + DEFAULT_CONNECTIONS + ")",
            "  --seconds N      run time on the real-time clock, 1..86400 (default " + DEFAULT_SECONDS + ")",
            "  --threads N      driver threads, 1..64 (default " + DEFAULT_THREADS + ")",
            "  --rate N         driver events per second, all threads together, 1..10000000 (default "
                    + DEFAULT_RATE + ")",
            "  --seed N         seed of the drivers' random generators (default: random, printed)",
            "  --help           print this and exit",
            "Each option also accepts the form --name=value. Exit status: 0 if every callout was",
            "accounted for, 1 if any was lost or fired twice, 2 for bad options.",
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
     * @throws UsageException for an unknown option, a missing or malformed value, or a value out of range
     */
    static Options parse(String[] args, long defaultSeed) throws UsageException {
        int connections = DEFAULT_CONNECTIONS;
        int seconds = DEFAULT_SECONDS;
        int threads = DEFAULT_THREADS;
        int rate = DEFAULT_RATE;
        long seed = defaultSeed;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                if (value != null) {
                    throw new UsageException(name + " takes no value, got '" + arg + "'");
                }
                help = true;
                continue;
            }
            if (!name.equals("--connections") && !name.equals("--seconds") && !name.equals("--threads")
                    && !name.equals("--rate") && !name.equals("--seed")) {
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
                    break;
                case "--rate":
                    rate = intIn(name, value, 1, 10_000_000);
                    break;
                case "--seed":
                    seed = parseLong(name, value);
                    break;
                default:
                    throw new IllegalStateException("option table and switch disagree on " + name);
            }
        }
        return new Options(connections, seconds, threads, rate, seed, help);
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
