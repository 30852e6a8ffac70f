/*
 * Volcano Chat request signing v1 for website A backends in Java 11+ (JDK only). Run from source:
 *   java VcSigner.java                                              prints the README test vector's signature
 *   java VcSigner.java <secret> <METHOD> <path> <timestamp> <nonce> <body>   signs those values
 * createSession() shows the whole call to /api/internal/session/create.
 */
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class VcSigner {
  private static final HexFormat HEX = HexFormat.of(); // lowercase

  /** v1, METHOD, path with query as sent, timestamp, nonce, hex SHA-256 of the raw body; joined by \n. */
  static String canonical(String method, String path, long timestamp, String nonce, byte[] body) throws Exception {
    String bodyHash = HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    return String.join("\n", "v1", method.toUpperCase(), path, Long.toString(timestamp), nonce, bodyHash);
  }

  /** The X-VC-Signature value: v1= + lowercase hex HMAC-SHA256(secret, canonical). */
  static String sign(String secret, String method, String path, long timestamp, String nonce, byte[] body)
      throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] canonical = canonical(method, path, timestamp, nonce, body).getBytes(StandardCharsets.UTF_8);
    return "v1=" + HEX.formatHex(mac.doFinal(canonical));
  }

  /** POST /api/internal/session/create; returns the JSON {token, expiresAt, sessionId}. */
  static String createSession(String baseUrl, String keyId, String secret, String phone) throws Exception {
    String path = "/api/internal/session/create";
    byte[] body = ("{\"phone\":\"" + phone + "\"}").getBytes(StandardCharsets.UTF_8); // sign the bytes you send
    long timestamp = System.currentTimeMillis() / 1000;
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    String nonce = HEX.formatHex(random); // fresh for every request
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/json")
        .header("x-vc-key-id", keyId)
        .header("x-vc-timestamp", Long.toString(timestamp))
        .header("x-vc-nonce", nonce)
        .header("x-vc-signature", sign(secret, "POST", path, timestamp, nonce, body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) throw new IllegalStateException("session/create: " + response.body());
    return response.body();
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 6) {
      byte[] body = args[5].getBytes(StandardCharsets.UTF_8);
      System.out.println(sign(args[0], args[1], args[2], Long.parseLong(args[3]), args[4], body));
      return;
    }
    byte[] body = "{\"phone\":\"13800138000\"}".getBytes(StandardCharsets.UTF_8);
    System.out.println(sign("vc-test-secret-0123456789abcdef", "POST", "/api/internal/session/create",
        1767225600L, "n0nce-Fixed_0123456789", body));
  }
}
