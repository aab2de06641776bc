package dev.packetipc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The library's words in a message become the command's. */
class ErrorReporterTest {
    @Test
    void apiNamesBecomeTheCommandsWords() {
        assertEquals(
                "no server at unix:///x.sock: /x.sock does not exist; check that the server is running and the name"
                        + " is exactly the name the server printed",
                ErrorReporter.words("no server at unix:///x.sock: /x.sock does not exist; check that the server is"
                        + " running and the name is exactly its Server.name()"));
        assertEquals(
                "'x' is not a packet-ipc server name: pass exactly the name the server printed",
                ErrorReporter.words(
                        "'x' is not a packet-ipc server name: pass the exact string Server.name()" + " returned"));
        assertEquals(
                "/tmp/f exists and is not a socket; refusing to replace it: remove it or pick another --name",
                ErrorReporter.words("/tmp/f exists and is not a socket; refusing to replace it: remove it or pick"
                        + " another IpcOptions.SERVER_NAME"));
        assertEquals(
                "waited 9927 ms in vain for the server's WELCOME; the peer is not a packet-ipc endpoint, or it is"
                        + " stuck",
                ErrorReporter.words("waited 9927 ms in vain for the server's WELCOME; the peer is not a packet-ipc"
                        + " endpoint, or it is stuck (raise IpcOptions.CONNECT_TIMEOUT if it is only slow)"));
    }

    @Test
    void durationsCodesAndClassNamesGo() {
        assertEquals("no client within 2 s", ErrorReporter.words("no client within PT2S"));
        assertEquals("within 1 min 30.5 s", ErrorReporter.words("within PT1M30.5S"));
        assertEquals(
                "the server closed the connection without ending the stream",
                ErrorReporter.words("the server closed the connection without ending the stream (reason=0)"));
        assertEquals("Broken pipe", ErrorReporter.words("java.io.IOException: Broken pipe"));
        assertEquals("cannot connect", ErrorReporter.words("IllegalStateException: cannot connect"));
        assertEquals(
                "an unexpected failure without a message; run again with --verbose to see where",
                ErrorReporter.oneLine(new NullPointerException()));
    }
}
