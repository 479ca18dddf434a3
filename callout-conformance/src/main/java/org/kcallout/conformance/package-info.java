/**
 * The conformance kit: {@link org.kcallout.conformance.CalloutConformance} (the cases),
 * {@link org.kcallout.conformance.CalloutHarness} (what an implementation supplies: a system on
 * virtual time, and a way to move that time) and {@link org.kcallout.conformance.Capability} (what
 * the implementation declares it supports; a case that needs a missing capability is skipped, not
 * failed).
 *
 * <p>Each case is named after the numbered case of {@code docs/SEMANTICS.md} §11 it checks
 * ({@code specNN_...}), or after the decision it checks ({@code decisionN_...}).
 *
 * <p>May depend on the API module and JUnit Jupiter's API only.
 */
package org.kcallout.conformance;
