package dev.hookline.store;

import dev.hookline.security.StandardWebhooks;

/** What a credential adds to a request: one auth header, or Standard Webhooks signatures. */
public record Credential(AuthHeader header, StandardWebhooks signer) {

  public static Credential header(AuthHeader header) {
    return new Credential(header, null);
  }

  public static Credential signing(StandardWebhooks signer) {
    return new Credential(null, signer);
  }

  @Override
  public String toString() {
    return header != null ? "Credential[" + header + "]" : "Credential[" + signer + "]";
  }
}
