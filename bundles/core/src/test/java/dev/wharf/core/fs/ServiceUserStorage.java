package dev.wharf.core.fs;

import dev.wharf.storage.local.LocalStorageProvider;

/** The local storage as one service user (whoever runs the tests): for tests about paths, not owners. */
final class ServiceUserStorage {

    private ServiceUserStorage() {
    }

    static LocalStorageProvider provider() {
        LocalStorageProvider provider = new LocalStorageProvider();
        provider.configure(new LocalStorageProvider.Config() {
            @Override
            public boolean create_home() {
                return true;
            }

            @Override
            public String account_identity() {
                return "server";
            }

            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return LocalStorageProvider.Config.class;
            }
        });
        return provider;
    }
}
