package dev.modelgraph.launcher;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP relay in front of Neo4j's Bolt connector that passes only connections opening
 * with the Bolt preamble.
 *
 * <p>Neo4j's Bolt port also accepts HTTP and upgrades it to a WebSocket without looking at the
 * Origin, so a web page in the user's browser can reach it. A browser can only open a WebSocket
 * with an HTTP request, so dropping every connection whose first four bytes are not {@code 60 60
 * B0 17} keeps web pages out, whatever they send, before Neo4j sees a byte.
 *
 * <p>Each relayed connection uses two platform threads, one per direction; a driver pool of a
 * hundred connections is two hundred mostly idle threads.
 */
final class BoltFilter implements AutoCloseable {
  /** The four bytes every Bolt client sends first. */
  static final int BOLT_MAGIC = 0x6060B017;

  /** How long a new connection may take to send its first four bytes. */
  private static final int PREAMBLE_TIMEOUT_MILLIS = 10_000;

  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int BUFFER = 64 * 1024;
  private static final long STACK = 256 * 1024;

  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile InetSocketAddress target;

  /**
   * Binds 127.0.0.1:port now, so a busy port fails before the database starts; connections wait in
   * the backlog until {@link #forwardTo} starts accepting.
   */
  BoltFilter(int port) throws IOException {
    server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
  }

  /** Starts accepting and relaying Bolt connections to target. */
  void forwardTo(InetSocketAddress target) {
    this.target = target;
    start(this::acceptLoop, "bolt-filter-accept");
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!server.isClosed()) {
          System.err.println("launcher: bolt filter accept failed: " + e);
          pause();
        }
        continue;
      }
      open.add(client);
      start(() -> serve(client), "bolt-filter-conn");
    }
  }

  private void serve(Socket client) {
    Socket upstream = null;
    try {
      client.setTcpNoDelay(true);
      client.setSoTimeout(PREAMBLE_TIMEOUT_MILLIS);
      int first = new DataInputStream(client.getInputStream()).readInt();
      if (first != BOLT_MAGIC) {
        System.err.printf(
            "launcher: dropped a connection from %s that did not open with the Bolt preamble (first bytes %08x; an HTTP or WebSocket request?)%n",
            client.getRemoteSocketAddress(), first);
        return;
      }
      client.setSoTimeout(0);
      upstream = new Socket();
      open.add(upstream);
      upstream.setTcpNoDelay(true);
      upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
      OutputStream up = upstream.getOutputStream();
      up.write(new byte[] {0x60, 0x60, (byte) 0xB0, 0x17});
      Socket u = upstream;
      Thread back = start(() -> pump(u, client), "bolt-filter-down");
      pump(client, upstream);
      back.join();
    } catch (SocketTimeoutException e) {
      // sent fewer than four bytes in time: not a Bolt client worth waiting for
    } catch (IOException e) {
      // the peer went away before or during the preamble
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(client);
      closeQuietly(upstream);
    }
  }

  /**
   * Copies from one socket to the other until end of stream, which it passes on as a half close;
   * an error closes both so the other direction ends too.
   */
  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[BUFFER];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buf)) != -1; ) {
        out.write(buf, 0, n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Keeps a persistent accept error (out of file descriptors) from spinning a core. */
  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Thread start(Runnable r, String name) {
    Thread t = new Thread(null, r, name, STACK);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void closeQuietly(Socket s) {
    if (s == null) {
      return;
    }
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing is best effort
    }
  }

  /** Stops accepting and closes every relayed connection. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // the listening socket is gone either way
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
  }
}
