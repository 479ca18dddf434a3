package org.kcallout.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code -name value} command-line options with defaults; unknown names are rejected. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] argv, Map<String, String> defaults, String usage) {
        values.putAll(defaults);
        for (int i = 0; i < argv.length; i++) {
            String k = argv[i];
            if (k.equals("-h") || k.equals("--help")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!k.startsWith("-") || !defaults.containsKey(k.substring(1)) || i + 1 >= argv.length) {
                throw new IllegalArgumentException("bad option " + k + " in " + Arrays.toString(argv) + "\n" + usage);
            }
            values.put(k.substring(1), argv[++i]);
        }
    }

    String str(String k) {
        return values.get(k);
    }

    int integer(String k) {
        return Integer.parseInt(values.get(k));
    }

    List<String> list(String k) {
        return Arrays.asList(values.get(k).split(","));
    }
}
