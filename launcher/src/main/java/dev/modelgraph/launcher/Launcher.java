package dev.modelgraph.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Starts Neo4j Community embedded with Bolt on loopback, keeps its store in a data directory and
 * shuts down cleanly on SIGTERM or SIGINT.
 *
 * <p>Arguments: {@code --data DIR} (required), {@code --port N} (default 7687), {@code
 * --page-cache SIZE} (default 256m), {@code --exit-on-stdin-eof}. When the database answers, it writes {@code DIR/launcher.port}
 * and prints one line {@code READY bolt://127.0.0.1:PORT} on standard output.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    Path data = null;
    int port = 7687;
    String pageCache = "256m";
    boolean exitOnEof = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--exit-on-stdin-eof")) {
        exitOnEof = true;
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
    Files.createDirectories(data);
    Path portFile = data.resolve("launcher.port");
    Files.deleteIfExists(portFile);

    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(data)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, false)
            .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pageCache))
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.err.println("launcher: shutting down");
                  try {
                    Files.deleteIfExists(portFile);
                  } catch (Exception ignored) {
                    // the port file is advisory; a stale one is checked by connecting
                  }
                  dbms.shutdown();
                  stopped.countDown();
                  System.err.println("launcher: stopped, store closed");
                }));

    GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    db.executeTransactionally("RETURN 1");

    Path tmp = data.resolve("launcher.port.tmp");
    Files.writeString(tmp, Integer.toString(port) + "\n");
    Files.move(tmp, portFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("READY bolt://127.0.0.1:" + port);
    System.out.flush();
    if (exitOnEof) {
      watchStdin();
    }
    stopped.await();
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
