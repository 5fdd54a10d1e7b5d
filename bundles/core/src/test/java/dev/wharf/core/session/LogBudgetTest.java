package dev.wharf.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class LogBudgetTest {

    @Test
    void aBurstPassesThenLinesAreHeldBackAndCountedWithTheNextOneLetThrough() throws InterruptedException {
        LogBudget budget = new LogBudget();
        for (int i = 0; i < LogBudget.BURST; i++) {
            assertEquals(1, budget.take(), "line " + i + " of the burst");
        }
        int held = 0;
        while (budget.take() == 0) {
            held++;
        }
        // the first line after the pause reports the ones dropped: we asked until one passed again
        assertTrue(held > 0, "lines beyond the burst were held back");
        Thread.sleep(1000 / LogBudget.PER_SECOND + 50);
        assertEquals(1, budget.take(), "a line passes again after a pause, with nothing held back since");
    }

    @Test
    void heldBackLinesAreReportedWithTheNextLineLetThrough() throws InterruptedException {
        LogBudget budget = new LogBudget();
        for (int i = 0; i < LogBudget.BURST; i++) {
            budget.take();
        }
        assertEquals(0, budget.take());
        assertEquals(0, budget.take());
        Thread.sleep(1000 / LogBudget.PER_SECOND + 50);
        assertEquals(3, budget.take(), "this line and the two held back before it");
    }
}
