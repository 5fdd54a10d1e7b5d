package dev.wharf.storage.s3;

import java.lang.reflect.Proxy;
import java.util.Map;

/** Configurations as ConfigAdmin and SCR would give them: the declared defaults, with some settings changed. */
final class TestConfigs {

    private TestConfigs() {
    }

    /** @param changed by method name ({@code part_size_mb}, ...) */
    static S3StorageProvider.Config config(Map<String, Object> changed) {
        return (S3StorageProvider.Config) Proxy.newProxyInstance(S3StorageProvider.Config.class.getClassLoader(),
                new Class<?>[] {S3StorageProvider.Config.class}, (proxy, method, arguments) -> {
                    if (method.getName().equals("annotationType")) {
                        return S3StorageProvider.Config.class;
                    }
                    if (method.getDefaultValue() == null) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    return changed.getOrDefault(method.getName(), method.getDefaultValue());
                });
    }

    /** A provider activated with S3Proxy's endpoint and credentials and {@code changed}. */
    static S3StorageProvider provider(S3ProxyServer s3, String bucket, Map<String, Object> changed) {
        java.util.HashMap<String, Object> settings = new java.util.HashMap<>(Map.of("endpoint", s3.endpoint(),
                "bucket", bucket, "access_key", S3ProxyServer.ACCESS_KEY, "secret_key", S3ProxyServer.SECRET_KEY,
                "path_style", true));
        settings.putAll(changed);
        S3StorageProvider provider = new S3StorageProvider();
        provider.activate(config(settings));
        return provider;
    }
}
