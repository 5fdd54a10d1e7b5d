package dev.wharf.api.storage;

import dev.wharf.api.auth.Account;
import java.util.Arrays;

/**
 * Who a session acts as on its storage: a provider that keeps owners (see
 * {@link StorageCapability#PER_ACCOUNT_IDENTITY}) creates files for {@code uid}/{@code gid} and judges access for
 * them and the supplementary {@code groups}.
 *
 * @param uid    numeric user
 * @param gid    primary group
 * @param groups supplementary groups, sorted, without duplicates (may include {@code gid})
 */
public record Identity(int uid, int gid, int[] groups) {

    public Identity {
        groups = Arrays.stream(groups).sorted().distinct().toArray();
    }

    /** The account's uid, gid and the supplementary groups its backend gave. */
    public static Identity of(Account account) {
        return new Identity(account.uid(), account.gid(), account.groups());
    }

    /** Whether {@code group} is the primary or a supplementary group. */
    public boolean inGroup(int group) {
        return group == gid || Arrays.binarySearch(groups, group) >= 0;
    }

    @Override
    public int[] groups() {
        return groups.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Identity that && uid == that.uid && gid == that.gid
                && Arrays.equals(groups, that.groups);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "Identity[uid=" + uid + ", gid=" + gid + ", groups=" + Arrays.toString(groups) + "]";
    }
}
