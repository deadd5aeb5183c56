namespace Cpns.Device.Storage;

/// <summary>What the key store did with a Group Key offered to it (the epoch rules, docs/device.md §3).</summary>
public enum GroupKeyAcceptance
{
    /// <summary>The epoch is newer than every epoch seen for the group: the key is now the current one.</summary>
    Stored = 1,

    /// <summary>The epoch is the current one: a re-send, acknowledged and ignored (the stored key is kept).</summary>
    Duplicate = 2,

    /// <summary>The epoch is older than one already seen, or was deleted: refused.</summary>
    Rollback = 3,
}
