package dev.wharf.api.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A private key with its certificate chain, leaf first.
 *
 * @param privateKey the key matching {@code chain.get(0)}
 * @param chain      the leaf certificate followed by any intermediates; not empty
 */
public record KeyMaterial(PrivateKey privateKey, List<X509Certificate> chain) {

    public KeyMaterial {
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the certificate chain is empty");
        }
    }
}
