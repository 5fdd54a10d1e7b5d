package dev.wharf.core.tls;

import dev.wharf.api.tls.CertificateDeniedException;
import dev.wharf.api.tls.CertificateProvider;
import dev.wharf.api.tls.KeyMaterial;
import dev.wharf.core.server.ServiceDirectory;
import dev.wharf.core.server.ServiceDirectory.Tracked;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the certificate for each handshake from the registered {@link CertificateProvider} services, by the SNI
 * name the client asked for. Providers are asked at every handshake, so installing, updating or removing a
 * provider bundle changes what new connections get without touching running ones.
 */
final class ProviderKeyManager extends X509ExtendedKeyManager {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderKeyManager.class);
    private final ServiceDirectory services;
    /**
     * Aliases name key material by value, so equal material (the same certificate served again) shares one alias
     * and the maps grow with the certificates served, not with the names clients send.
     */
    private final Map<KeyMaterial, String> aliases = new ConcurrentHashMap<>();
    private final Map<String, KeyMaterial> byAlias = new ConcurrentHashMap<>();
    private final AtomicLong nextAlias = new AtomicLong();

    ProviderKeyManager(ServiceDirectory services) {
        this.services = services;
    }

    /** Data connections being set up, with the control connection's key material they must present. */
    private final Map<Socket, KeyMaterial> pinned = new ConcurrentHashMap<>();

    /** Makes {@code data} present the key material {@code control} was made with, if it is one of ours. */
    void pin(SSLSocket data, SSLSession control) {
        java.security.cert.Certificate[] certificates = control == null ? null : control.getLocalCertificates();
        if (certificates == null || certificates.length == 0) {
            return;
        }
        byAlias.values().stream().filter(material -> material.chain().get(0).equals(certificates[0])).findFirst()
                .ifPresent(material -> pinned.put(data, material));
    }

    void unpin(SSLSocket data) {
        pinned.remove(data);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        KeyMaterial pin = socket == null ? null : pinned.get(socket);
        if (pin != null) {
            return matches(pin.privateKey(), keyType) ? aliasOf(pin) : null;
        }
        SSLSession handshake = socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null;
        return choose(keyType, handshake);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    /**
     * JSSE asks once per key type it could use, so providers are asked several times per handshake and should
     * answer fast (nothing may be stored in the handshake session: bound values stop JSSE's stateless tickets).
     */
    private String choose(String keyType, SSLSession handshake) {
        Optional<KeyMaterial> material = lookup(serverName(handshake));
        if (material.isEmpty() || !matches(material.get().privateKey(), keyType)) {
            return null;
        }
        return aliasOf(material.get());
    }

    private String aliasOf(KeyMaterial material) {
        return aliases.computeIfAbsent(material, key -> {
            String alias = "wharf-" + nextAlias.incrementAndGet();
            byAlias.put(alias, key);
            return alias;
        });
    }

    /** Asks providers by ranking; a provider that denies the name ends the handshake. */
    private Optional<KeyMaterial> lookup(String serverName) {
        for (Tracked<CertificateProvider> provider : services.certificateProviders()) {
            try {
                Optional<KeyMaterial> material = provider.service().keyMaterial(serverName);
                if (material.isPresent()) {
                    return material;
                }
            } catch (CertificateDeniedException denied) {
                LOG.info("Certificate provider '{}' denied server name {}: {}", provider.name(), serverName,
                        denied.getMessage());
                return Optional.empty();
            } catch (RuntimeException failure) {
                LOG.warn("Certificate provider '{}' failed for {}", provider.name(), serverName, failure);
            }
        }
        return Optional.empty();
    }

    private static String serverName(SSLSession handshake) {
        if (handshake instanceof ExtendedSSLSession extended) {
            List<SNIServerName> names = extended.getRequestedServerNames();
            for (SNIServerName name : names) {
                if (name instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }

    /** JSSE asks per key type ("RSA", "EC", "RSASSA-PSS", "EdDSA" …); answer only with a matching key. */
    private static boolean matches(PrivateKey key, String keyType) {
        String algorithm = key.getAlgorithm();
        return keyType.equalsIgnoreCase(algorithm) || keyType.equals("RSASSA-PSS") && algorithm.equals("RSA")
                || keyType.equals("EC") && algorithm.equals("ECDSA");
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial material = byAlias.get(alias);
        return material == null ? null : material.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial material = byAlias.get(alias);
        return material == null ? null : material.privateKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
