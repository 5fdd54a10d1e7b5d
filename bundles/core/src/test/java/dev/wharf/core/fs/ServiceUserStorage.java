package dev.wharf.core.fs;

import dev.wharf.storage.local.LocalStorageProvider;

/** The local storage as the tests use it, by default as one service user (whoever runs the tests). */
public final class ServiceUserStorage {

    private ServiceUserStorage() {
    }

    /** As one service user: for tests about paths, not owners. */
    static LocalStorageProvider provider() {
        return provider("server");
    }

    /**
     * With {@code identity} {@code server} (files are the test's own, whoever runs it) or {@code auto} (accounts'
     * own uids when run as root).
     */
    public static LocalStorageProvider provider(String identity) {
        LocalStorageProvider provider = new LocalStorageProvider();
        provider.configure(new LocalStorageProvider.Config() {
            @Override
            public boolean create_home() {
                return true;
            }

            @Override
            public String account_identity() {
                return identity;
            }

            @Override
            public int partial_uploads_max_hours() {
                return 24;
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return LocalStorageProvider.Config.class;
            }
        });
        return provider;
    }
}
