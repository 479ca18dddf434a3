/**
 * The legacy {@code timeout(9)} API of FreeBSD 9 to 12 ({@code timeout}, {@code untimeout},
 * {@code callout_handle_init}, {@code CALLOUT_HANDLE_INITIALIZER}) on a preallocated pool of
 * Giant-locked callouts. Depends on the API module only: the pool runs on any
 * {@link org.kcallout.CalloutSystem}.
 */
module org.kcallout.legacy {
    requires transitive org.kcallout.api;
    requires static com.google.errorprone.annotations; // @GuardedBy, for Error Prone at compile time

    exports org.kcallout.legacy;
}
