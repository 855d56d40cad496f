package dev.modelgraph.launcher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.Result;

/**
 * The embedded database's one account: user {@code neo4j} with a random password kept in {@code
 * DATA/auth.password} (mode 0600), which the Go side and any other local client read.
 */
final class Credentials {
  static final String USER = "neo4j";
  static final String FILE = "auth.password";

  /** 32 random bytes, 256 bits, as 43 URL-safe characters. */
  private static final int RANDOM_BYTES = 32;

  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

  private Credentials() {}

  /**
   * Returns the password in data's password file, or null when there is none. The file may hold a
   * password of the user's choosing; it is narrowed to mode 0600.
   */
  static String read(Path data) throws IOException {
    Path file = data.resolve(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    Files.setPosixFilePermissions(file, OWNER_RW);
    String pw = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (pw.isEmpty()) {
      throw new IOException(file + " is empty; delete it and a new password is generated at the next start");
    }
    return pw;
  }

  /** Returns a new random password. */
  static String generate() {
    byte[] raw = new byte[RANDOM_BYTES];
    new SecureRandom().nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** Keeps pw in data's password file, replacing the file atomically. */
  static void write(Path data, String pw) throws IOException {
    writeAtomically(data.resolve(FILE), pw + "\n");
  }

  /** Writes a 0600 temporary file next to target, syncs it and renames it over target. */
  private static void writeAtomically(Path target, String content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_RW));
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Makes the system database hold exactly one user, neo4j, with password pw and no forced change.
   * The embedded API needs no credentials, so this also takes over a store that was created with
   * authentication off (user neo4j still on its initial password) and drops any user that someone
   * added while the store was open.
   */
  static void apply(DatabaseManagementService dbms, String pw) {
    GraphDatabaseService system = dbms.database("system");
    for (String other : otherUsers(system)) {
      system.executeTransactionally("DROP USER $name", Map.of("name", other));
      System.err.println("launcher: dropped database user " + other + "; the embedded database has only the user " + USER);
    }
    try {
      system.executeTransactionally(
          "ALTER USER " + USER + " SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", pw));
    } catch (QueryExecutionException e) {
      // Neo4j refuses to set the password the user already has, which is every start but the
      // first; then only make sure no change is forced.
      if (!e.getMessage().contains("Old password and new password cannot be the same")) {
        throw e;
      }
      system.executeTransactionally("ALTER USER " + USER + " SET PASSWORD CHANGE NOT REQUIRED");
    }
  }

  private static List<String> otherUsers(GraphDatabaseService system) {
    List<String> names = new ArrayList<>();
    system.executeTransactionally(
        "SHOW USERS YIELD user RETURN user",
        Map.of(),
        (Result r) -> {
          r.forEachRemaining(row -> {
            String u = (String) row.get("user");
            if (!USER.equals(u)) {
              names.add(u);
            }
          });
          return null;
        });
    return names;
  }
}
