/**
 * The callout(9) conformance kit: {@link org.kcallout.conformance.CalloutConformance}, an abstract
 * JUnit 5 suite of the numbered cases, which a third party extends with a factory for its
 * {@link org.kcallout.CalloutSystem} and the virtual time that drives it.
 */
module org.kcallout.conformance {
    requires transitive org.kcallout.api;
    requires transitive org.junit.jupiter.api;

    exports org.kcallout.conformance;
    opens org.kcallout.conformance to org.junit.platform.commons;
}
