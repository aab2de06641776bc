package dev.packetipc.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The entry point of the harness's child JVMs: {@code ChildMain server|client <medium spec>}. It makes the medium
 * (or prints {@code UNAVAILABLE <cause>} and exits), prints {@code HELLO}, then obeys one command per line of its
 * standard input until {@code EXIT} or the end of the input. Not meant to be run by hand.
 */
public final class ChildMain {
    private ChildMain() {}

    /**
     * Runs one side.
     *
     * @param args {@code server} or {@code client[-n]}, and the medium spec
     */
    public static void main(String[] args) throws Exception {
        ChildOutput out = new ChildOutput(System.out);
        Medium medium;
        try {
            medium = Media.create(args[1]);
        } catch (Throwable t) {
            out.say("UNAVAILABLE " + ChildOutput.oneLine(t));
            System.exit(0);
            return;
        }
        System.out.println("packet-ipc bench child: " + args[0] + " " + args[1] + ", pid "
                + ProcessHandle.current().pid());
        boolean server = args[0].equals("server");
        ServerRole serverRole = server ? new ServerRole(medium, out) : null;
        ClientRole clientRole = server ? null : new ClientRole(medium, out);
        out.say("HELLO " + args[0] + " " + args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("EXIT")) {
            String[] command = line.split(" ");
            try {
                if (server) {
                    serverRole.handle(command);
                } else {
                    clientRole.handle(command);
                }
            } catch (Throwable t) {
                t.printStackTrace();
                out.say("ERROR " + command[0] + ": " + ChildOutput.oneLine(t));
            }
        }
        try {
            if (server) {
                serverRole.close();
            } else {
                clientRole.close();
            }
            medium.close();
        } finally {
            System.exit(0);
        }
    }
}
