package dev.modelgraph.launcher;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Starts Neo4j Community embedded on loopback, keeps its store in a data directory and shuts down
 * cleanly on SIGTERM or SIGINT.
 *
 * <p>Clients connect to {@code 127.0.0.1:PORT}, where a {@link BoltFilter} passes only Bolt
 * connections on to Neo4j's own connector on a free loopback port. Authentication is on: the one
 * user, {@code neo4j}, has the password in {@code DIR/auth.password} (see {@link Credentials}).
 * The data directory is made mode 0700, and LOAD CSV may not read local files.
 *
 * <p>Arguments: {@code --data DIR} (required), {@code --port N} (default 7687), {@code
 * --page-cache SIZE} (default 256m), {@code --exit-on-stdin-eof}. When the database answers, it
 * writes {@code DIR/launcher.port} and prints one line {@code READY bolt://127.0.0.1:PORT} on
 * standard output.
 */
public final class Launcher {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private Launcher() {}

  /** What the command line asks for. */
  private record Options(Path data, int port, String pageCache, boolean exitOnEof, boolean insecureNoAuth) {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    Files.createDirectories(o.data(), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.setPosixFilePermissions(o.data(), OWNER_ONLY);
    Path portFile = o.data().resolve("launcher.port");
    Files.deleteIfExists(portFile);
    BoltFilter filter;
    try {
      // Bound before the database starts, so a busy port fails fast; it accepts once ready.
      filter = new BoltFilter(o.port());
    } catch (BindException e) {
      System.err.println("launcher: cannot listen on 127.0.0.1:" + o.port() + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    String password = o.insecureNoAuth() ? null : Credentials.read(o.data());
    if (!o.insecureNoAuth() && password == null) {
      password = Credentials.generate();
      seal(o, password);
      Credentials.write(o.data(), password);
    }
    DatabaseManagementService dbms = build(o, true);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(portFile, filter, dbms, stopped)));
    try {
      if (password != null) {
        Credentials.apply(dbms, password);
      }
      GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
      db.executeTransactionally("RETURN 1");
      int inner = boltPort(db);
      filter.forwardTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), inner));
      System.err.printf(
          "launcher: Neo4j Bolt on 127.0.0.1:%d behind the Bolt-only filter on 127.0.0.1:%d; authentication %s%n",
          inner, o.port(), o.insecureNoAuth() ? "OFF" : "on");
      Path tmp = o.data().resolve("launcher.port.tmp");
      Files.writeString(tmp, o.port() + "\n");
      Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (Exception e) {
      System.err.println("launcher: start failed: " + e);
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("READY bolt://127.0.0.1:" + o.port());
    System.out.flush();
    if (o.exitOnEof()) {
      watchStdin();
    }
    stopped.await();
  }

  /**
   * Sets the password of a new store, or of one made without authentication, with Bolt closed:
   * until then user neo4j has Neo4j's well-known initial password. The password file is written
   * only afterwards, so a start that fails half-way comes back here.
   */
  private static void seal(Options o, String password) {
    System.err.println("launcher: no password file yet; setting a new password for user neo4j with Bolt closed");
    long start = System.nanoTime();
    DatabaseManagementService dbms = build(o, false);
    try {
      Credentials.apply(dbms, password);
    } finally {
      dbms.shutdown();
    }
    System.err.printf("launcher: password set in %d ms%n", (System.nanoTime() - start) / 1_000_000);
  }

  private static DatabaseManagementService build(Options o, boolean bolt) {
    return new DatabaseManagementServiceBuilder(o.data())
        .setConfig(BoltConnector.enabled, bolt)
        // Neo4j's own connector takes a free loopback port; only the filter connects to it.
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", o.port()))
        .setConfig(HttpConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, !o.insecureNoAuth())
        .setConfig(GraphDatabaseSettings.allow_file_urls, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(o.pageCache()))
        .build();
  }

  /** The port Neo4j's Bolt connector was given. */
  private static int boltPort(GraphDatabaseService db) {
    HostnamePort hp =
        ((GraphDatabaseAPI) db)
            .getDependencyResolver()
            .resolveDependency(ConnectorPortRegister.class)
            .getLocalAddress(ConnectorType.BOLT);
    if (hp == null) {
      throw new IllegalStateException("Neo4j registered no Bolt port");
    }
    return hp.getPort();
  }

  private static void shutdown(Path portFile, BoltFilter filter, DatabaseManagementService dbms, CountDownLatch stopped) {
    System.err.println("launcher: shutting down");
    try {
      Files.deleteIfExists(portFile);
    } catch (Exception ignored) {
      // the port file is advisory; a stale one is checked by connecting
    }
    filter.close();
    dbms.shutdown();
    stopped.countDown();
    System.err.println("launcher: stopped, store closed");
  }

  private static Options parse(String[] args) {
    Path data = null;
    int port = 7687;
    String pageCache = "256m";
    boolean exitOnEof = false;
    boolean insecureNoAuth = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--exit-on-stdin-eof")) {
        exitOnEof = true;
        continue;
      }
      if (a.equals("--insecure-no-auth")) {
        // Left out of the usage text: only the launcher's tests use it, to make a store the way
        // launchers did before authentication was turned on.
        insecureNoAuth = true;
        continue;
      }
      if (i + 1 >= args.length) {
        usage("missing value for " + a);
      }
      switch (a) {
        case "--data" -> data = Path.of(args[++i]).toAbsolutePath();
        case "--port" -> port = parsePort(args[++i]);
        case "--page-cache" -> pageCache = args[++i];
        default -> usage("unknown argument " + a);
      }
    }
    if (data == null) {
      usage("--data is required");
    }
    return new Options(data, port, pageCache, exitOnEof, insecureNoAuth);
  }

  /**
   * Exits (running the shutdown hook) when standard input closes, so the database never outlives
   * the process that started it, even when that process is killed without a chance to stop it.
   */
  private static void watchStdin() {
    Thread t =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // input is ignored; only its end matters
                }
              } catch (Exception ignored) {
                // a broken pipe means the parent is gone, same as end of input
              }
              System.err.println("launcher: parent closed standard input");
              System.exit(0);
            },
            "stdin-watch");
    t.setDaemon(true);
    t.start();
  }

  private static int parsePort(String s) {
    try {
      int p = Integer.parseInt(s);
      if (p < 1 || p > 65535) {
        usage("--port must be 1..65535, got " + s);
      }
      return p;
    } catch (NumberFormatException e) {
      usage("--port must be a number, got " + s);
      return 0;
    }
  }

  private static void usage(String why) {
    System.err.println("launcher: " + why);
    System.err.println("usage: launcher --data DIR [--port N] [--page-cache SIZE] [--exit-on-stdin-eof]");
    System.exit(2);
  }
}
