package dev.hookline.credentials;

import dev.hookline.security.StandardWebhooks;
import java.util.List;

/** What a credential adds to a request: one auth header, or Standard Webhooks signatures. */
public record Credential(AuthHeader header, StandardWebhooks signer) {

  public static Credential header(AuthHeader header) {
    return new Credential(header, null);
  }

  public static Credential signing(StandardWebhooks signer) {
    return new Credential(null, signer);
  }

  /** What must never come back from a receiver into a stored row or a log line (see {@code Redactor}). */
  public List<String> secrets() {
    return header != null ? header.secrets() : signer.secretForms();
  }

  @Override
  public String toString() {
    return header != null ? "Credential[" + header + "]" : "Credential[" + signer + "]";
  }
}
