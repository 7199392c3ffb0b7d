package dev.hookline.security;

import java.net.InetAddress;

/**
 * A vetted destination: connect to {@code address}, but speak to {@code host} (Host header, TLS SNI
 * and certificate check), so a DNS answer that changes after the check is never used.
 */
public record PinnedTarget(InetAddress address, String host, int port, boolean ssl, String requestUri) {
}
