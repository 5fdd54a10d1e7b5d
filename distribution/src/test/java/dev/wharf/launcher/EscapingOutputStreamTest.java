package dev.wharf.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class EscapingOutputStreamTest {

    private static String logged(String line) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(new EscapingOutputStream(bytes), true, StandardCharsets.UTF_8)) {
            log.println(line);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void controlBytesFromClientsAreWrittenAsEscapes() throws IOException {
        assertEquals("Login refused for 'a\\x00b\\x1b[31m\\x0dFAKE LINE\\x7f'\n",
                logged("Login refused for 'a\0b\u001b[31m\rFAKE LINE\u007f'"));
    }

    @Test
    void textTabsNewlinesAndUtf8PassUnchanged() throws IOException {
        String text = "été\tüber €100 日本\nsecond line";
        assertEquals(text + "\n", logged(text));
    }
}
