package dev.hookline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hookline.Hookline;
import dev.hookline.credentials.AuthHeader;
import dev.hookline.credentials.Credential;
import dev.hookline.credentials.CredentialStore;
import dev.hookline.store.PostgresPool;
import dev.hookline.testing.ClassDatabase;
import dev.hookline.testing.CliRun;
import dev.hookline.testing.TestInfra;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key rotation: {@code rotate-keys} run in-process against a private database, and the start-up
 * check that refuses to run when stored credentials cannot be opened with the configured keys.
 */
@ExtendWith(VertxExtension.class)
class KeyRotationTest {
  @RegisterExtension
  static final ClassDatabase DATABASE = new ClassDatabase();

  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir
  Path dir;

  private TestInfra infra;
  private Pool pool;
  private String k1;
  private String k2;

  @BeforeEach
  void setUp(Vertx vertx) {
    infra = DATABASE.infra();
    pool = PostgresPool.create(vertx, PgConnectOptions.fromUri(infra.postgresUrl()), 2);
    k1 = randomKey();
    k2 = randomKey();
  }

  @AfterEach
  void tearDown() {
    pool.close().await();
  }

  // ---------------------------------------------------------------- helpers

  private static String randomKey() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }

  private CredentialStore store(String... entries) {
    return new CredentialStore(pool, KeyRing.parse(List.of(entries)));
  }


  /** A config file naming this test's database and key prefix, with {@code secretKeys} when not null. */
  private Path confWith(List<String> secretKeys) throws IOException {
    JsonObject json = new JsonObject()
        .put("postgres", new JsonObject().put("url", infra.postgresUrl()))
        .put("redis", new JsonObject().put("url", TestInfra.REDIS_URL).put("keyPrefix", infra.keyPrefix));
    if (secretKeys != null) {
      json.put("security", new JsonObject().put("secretKeys", new JsonArray(new ArrayList<>(secretKeys))));
    }
    Path file = dir.resolve("hookline-" + UUID.randomUUID() + ".json");
    Files.writeString(file, json.encodePrettily());
    return file;
  }

  private CliRun rotateKeys(Path conf) {
    return CliRun.of("rotate-keys", "-conf", conf.toString());
  }

  /** A uuid whose first byte is {@code firstByte}, the rest random. */
  private static UUID uuidStartingWith(int firstByte) {
    UUID random = UUID.randomUUID();
    long msb = (random.getMostSignificantBits() & 0x00FF_FFFF_FFFF_FFFFL) | ((long) firstByte << 56);
    return new UUID(msb, random.getLeastSignificantBits());
  }

  /** Seals one credential of each header type under {@code sealing}; returns uuid to data. */
  private Map<UUID, JsonObject> sealSamples(CredentialStore sealing, List<UUID> uuids) {
    List<JsonObject> data = List.of(
        new JsonObject().put("type", "bearer_token").put("data", new JsonObject().put("token", "tok-" + UUID.randomUUID())),
        new JsonObject().put("type", "api_key").put("data", new JsonObject().put("api_key", "key-" + UUID.randomUUID())
            .put("header_name", "X-Partner-Key")),
        new JsonObject().put("type", "basic_auth").put("data", new JsonObject().put("username", "alice")
            .put("password", "pw-" + UUID.randomUUID())),
        new JsonObject().put("type", "custom_header").put("data", new JsonObject().put("header_name", "X-Tenant-Auth")
            .put("header_value", "hv-" + UUID.randomUUID())));
    Map<UUID, JsonObject> sealed = new LinkedHashMap<>();
    for (int i = 0; i < uuids.size(); i++) {
      JsonObject sample = data.get(i % data.size());
      sealing.put(7, uuids.get(i), sample.getString("type"), sample.getJsonObject("data")).await();
      sealed.put(uuids.get(i), sample);
    }
    return sealed;
  }

  private static AuthHeader headerOf(CredentialStore store, UUID uuid) {
    Credential credential = store.resolve(7, uuid).await().orElseThrow(() -> new AssertionError("no credential " + uuid));
    assertThat(credential.header()).as("header of %s", uuid).isNotNull();
    return credential.header();
  }

  private List<Object> keyIds() {
    return infra.sql("SELECT key_id FROM webhook_credentials ORDER BY uuid").stream().map(row -> row.get(0)).toList();
  }

  private void assertRotated(Map<UUID, AuthHeader> before, CliRun first) throws IOException {
    assertThat(first.exit()).as("%s", first).isZero();
    assertThat(first.out()).contains("re-encrypted " + before.size() + " credentials under key new");
    assertThat(first.out() + first.err()).doesNotContain(k1).doesNotContain(k2);
    assertThat(keyIds()).hasSize(before.size()).containsOnly("new");
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials WHERE data IS NOT NULL OR nonce IS NULL"
        + " OR octet_length(nonce) <> 12").get(0).get(0)).isEqualTo(0L);

    CredentialStore newOnly = store("new:" + k2);
    before.forEach((uuid, header) -> assertThat(headerOf(newOnly, uuid)).as("%s", uuid).isEqualTo(header));
    // The old key alone can no longer open anything.
    CredentialStore oldOnly = store("old:" + k1);
    before.keySet().forEach(uuid -> assertThatThrownBy(() -> oldOnly.resolve(7, uuid).await())
        .hasMessageContaining("new"));
  }

  // ---------------------------------------------------------------- rotate-keys

  /** Every credential is re-sealed wherever its uuid sorts: the uuids are fixed to both halves of the byte order. */
  @Test
  void rotateKeysReSealsEveryCredentialWhateverItsUuid() throws IOException {
    List<UUID> uuids = List.of(uuidStartingWith(0x00), uuidStartingWith(0x3c), uuidStartingWith(0x7f),
        uuidStartingWith(0x80), uuidStartingWith(0xc5), uuidStartingWith(0xff));
    Map<UUID, JsonObject> sealed = sealSamples(store("old:" + k1), uuids);
    CredentialStore old = store("old:" + k1);
    Map<UUID, AuthHeader> before = new LinkedHashMap<>();
    sealed.keySet().forEach(uuid -> before.put(uuid, headerOf(old, uuid)));
    Path conf = confWith(List.of("new:" + k2, "old:" + k1));

    CliRun first = rotateKeys(conf);

    assertRotated(before, first);
    CliRun again = rotateKeys(conf);
    assertThat(again.exit()).as("%s", again).isZero();
    assertThat(again.out()).contains("re-encrypted 0 credentials under key new");
  }

  /**
   * A row written before V3 (plaintext {@code data}, no key id) is read as is and sealed by the
   * rotation ("plaintext rows included"). Its uuid is in the half the scan reaches.
   */
  @Test
  void rotateKeysAlsoSealsLegacyPlaintextRows() throws IOException {
    UUID sealedUuid = uuidStartingWith(0x90);
    store("old:" + k1).put(7, sealedUuid, "bearer_token", new JsonObject().put("token", "sealed-token")).await();
    UUID legacy = uuidStartingWith(0xa1);
    infra.sql("INSERT INTO webhook_credentials (uuid, organization_id, type, data) VALUES (?::uuid, 7, 'bearer_token',"
        + " '{\"token\":\"legacy-plaintext\"}'::jsonb)", legacy.toString());
    Map<UUID, AuthHeader> before = new LinkedHashMap<>();
    before.put(sealedUuid, new AuthHeader("Authorization", "Bearer sealed-token"));
    before.put(legacy, new AuthHeader("Authorization", "Bearer legacy-plaintext"));
    assertThat(headerOf(store("old:" + k1), legacy)).isEqualTo(before.get(legacy));

    CliRun first = rotateKeys(confWith(List.of("new:" + k2, "old:" + k1)));

    assertRotated(before, first);
    assertThat(infra.sql("SELECT count(*) FROM webhook_credentials WHERE data IS NOT NULL"
        + " OR position(convert_to('legacy-plaintext', 'UTF8') IN ciphertext) > 0").get(0).get(0)).isEqualTo(0L);
  }

  /** Rotation over uuids whose first byte is 0x80 or above, the half the scan reaches (see above). */
  @Test
  void rotateKeysReSealsUnderTheActiveKeyAndIsIdempotent() throws IOException {
    List<UUID> uuids = List.of(uuidStartingWith(0x80), uuidStartingWith(0x9a), uuidStartingWith(0xc5),
        uuidStartingWith(0xff));
    Map<UUID, JsonObject> sealed = sealSamples(store("old:" + k1), uuids);
    assertThat(keyIds()).containsOnly("old");
    CredentialStore old = store("old:" + k1);
    Map<UUID, AuthHeader> before = new LinkedHashMap<>();
    sealed.keySet().forEach(uuid -> before.put(uuid, headerOf(old, uuid)));
    assertThat(before.values()).extracting(AuthHeader::name)
        .containsExactly("Authorization", "X-Partner-Key", "Authorization", "X-Tenant-Auth");
    Path conf = confWith(List.of("new:" + k2, "old:" + k1));

    CliRun first = rotateKeys(conf);

    assertRotated(before, first);

    CliRun again = rotateKeys(conf);

    assertThat(again.exit()).as("%s", again).isZero();
    assertThat(again.out()).contains("re-encrypted 0 credentials under key new");
    assertThat(keyIds()).containsOnly("new");
  }

  @Test
  void rotateKeysHelpNamesTheCommandAndItsOptions() {
    CliRun result = CliRun.of("rotate-keys", "--help");

    assertThat(result.exit()).as("%s", result).isZero();
    assertThat(result.out()).contains("Usage: hookline rotate-keys").contains("-conf").contains("--help");
  }

  @Test
  void rotateKeysWithoutAnyKeyFailsSayingSo() throws IOException {
    UUID uuid = uuidStartingWith(0xaa);
    store("old:" + k1).put(7, uuid, "bearer_token", new JsonObject().put("token", "untouched")).await();

    CliRun result = rotateKeys(confWith(null));

    assertThat(result.exit()).as("%s", result).isNotZero();
    assertThat(result.err()).contains("no encryption key");
    assertThat(keyIds()).containsExactly("old");
  }

  // ---------------------------------------------------------------- start-up

  private JsonObject hooklineConfig(List<String> secretKeys) {
    JsonObject config = infra.config();
    config.getJsonObject("security").put("secretKeys", new JsonArray(new ArrayList<>(secretKeys)));
    return config;
  }

  private Throwable startFailure(Vertx vertx, List<String> secretKeys) {
    Throwable[] failure = new Throwable[1];
    assertThatThrownBy(() -> {
      Hookline started = Hookline.start(vertx, hooklineConfig(secretKeys)).await();
      started.stop().await();
    }).satisfies(e -> failure[0] = e);
    return failure[0];
  }

  private static String everything(Throwable error) {
    StringWriter trace = new StringWriter();
    error.printStackTrace(new PrintWriter(trace));
    return trace.toString();
  }

  @Test
  void startUpRefusesWhenNoConfiguredKeyOpensTheStoredCredentials(Vertx vertx) {
    store("old:" + k1).put(7, UUID.randomUUID(), "bearer_token", new JsonObject().put("token", "t-start")).await();

    Throwable unknownId = startFailure(vertx, List.of("new:" + k2));
    Throwable noKeys = startFailure(vertx, List.of());
    Throwable wrongMaterial = startFailure(vertx, List.of("old:" + k2));

    for (Throwable failure : List.of(unknownId, noKeys, wrongMaterial)) {
      assertThat(failure.getMessage()).as("%s", failure).contains("old");
      assertThat(everything(failure)).doesNotContain(k1).doesNotContain(k2).doesNotContain("t-start");
    }
    assertThat(unknownId.getMessage()).contains("key id old");

    Hookline withBoth = Hookline.start(vertx, hooklineConfig(List.of("new:" + k2, "old:" + k1))).await();
    withBoth.stop().await();
    Hookline withOld = Hookline.start(vertx, hooklineConfig(List.of("old:" + k1))).await();
    withOld.stop().await();
  }

  @Test
  void startUpWithoutEncryptedCredentialsNeedsNoKey(Vertx vertx) {
    Hookline started = Hookline.start(vertx, hooklineConfig(List.of())).await();
    started.stop().await();
  }
}
