package org.kcallout.demo;

import java.util.SplittableRandom;

/**
 * One source of network events: the part of a driver thread that does work, without any notion
 * of time, so that a real-time loop can pace it and a test can call it on a virtual clock.
 * Not thread-safe: one driver per thread.
 */
final class Driver {
    private final Simulation sim;
    private final SplittableRandom rng;

    /**
     * @param sim the stack to drive
     * @param rng this driver's own generator
     */
    Driver(Simulation sim, SplittableRandom rng) {
        this.sim = sim;
        this.rng = rng;
    }

    /**
     * Generates {@code n} events on the calling thread.
     *
     * @param n number of events, {@code >= 0}
     */
    void step(int n) {
        for (int i = 0; i < n; i++) {
            sim.tcpEvent(rng);
        }
    }
}
