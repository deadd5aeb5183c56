using Cpns.Crypto;
using Cpns.Gateway.Diagnostics;
using Cpns.Gateway.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using System.Globalization;
using System.Security.Cryptography;

namespace Cpns.Gateway.Delivery;

/// <summary>
/// Group Key delivery in the PN, flow 6.x.y steps 3–7: unwraps the Group Key the server sent under the
/// per-gateway key, keeps the latest epoch of each group durably, builds the Subset Difference broadcast
/// that only the group's members in this PN can open, and tracks the members' Group Key Responses.
/// </summary>
public sealed partial class GroupKeyDeliveryService
{
    // Bounds the memory a gateway spends on late answers; beyond it, some group's late answers are dropped.
    internal const int SupersededGroupsKept = 4096;

    // Superseded epochs of one group still waiting for answers. More than one: under load a gateway can be several
    // epochs behind on its members' answers (a load run at 100 members per gateway and a rotation a second lost the
    // answers of whole gateways to an epoch when only the latest superseded one was kept).
    internal const int SupersededEpochsKept = 8;

    // Members whose late answer is awaited, over every group and epoch: the bound that holds memory to a few MiB
    // whatever the PN's size; past it the oldest superseded epochs are forgotten first.
    internal const int UnansweredKept = 65_536;

    private readonly GatewayStore _store;
    private readonly ILogger<GroupKeyDeliveryService> _logger;

    // In memory only: a late answer is worth reporting, not worth a table; a restart forgets it. Guarded by the
    // store's gate, since every use is inside a store operation.
    private readonly Dictionary<string, List<SupersededEpoch>> _superseded = new(StringComparer.Ordinal);
    private int _unanswered;

    // PNE answers waiting for the next store write, and whether one is running (see RecordPneResponseAndReportAsync).
    private readonly Lock _answersLock = new();
    private List<PneAnswer> _queuedAnswers = [];
    private bool _writingAnswers;

    /// <summary>Creates the service over the gateway's state.</summary>
    public GroupKeyDeliveryService(GatewayStore store, ILogger<GroupKeyDeliveryService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _logger = logger ?? store.LoggerFactory.CreateLogger<GroupKeyDeliveryService>();
    }

    /// <summary>
    /// Handles a Group Key Notification (steps 2 → 3–6). The new epoch is stored before the result
    /// returns, so the broadcast is never published for an epoch a restart would forget. An older epoch
    /// is refused (<see cref="GroupKeyNotificationStatus.Stale"/>); the same epoch is acknowledged without
    /// a new broadcast unless its member set changed.
    /// </summary>
    public Task<GroupKeyNotificationResult> HandleNotificationAsync(GroupKeyNotification notification, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(notification.MemberPneIds);
        return _store.RunAsync(db => HandleNotificationCoreAsync(db, notification, cancellationToken), cancellationToken);
    }

    /// <summary>Records a PNE's Group Key Response (step 7) against the group's latest epoch.</summary>
    /// <param name="pneId">The PNE (the CN of its PN client certificate).</param>
    /// <param name="groupId">The group.</param>
    /// <param name="epoch">The epoch the PNE answers for.</param>
    /// <param name="status">What the PNE's decryption gave (step 8).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public async Task<PneResponseOutcome> RecordPneResponseAsync(string pneId, string groupId, ulong epoch, BroadcastDecryptStatus status, CancellationToken cancellationToken = default) =>
        (await RecordPneResponseAndReportAsync(pneId, groupId, epoch, status, cancellationToken).ConfigureAwait(false)).Outcome;

    /// <summary>
    /// <see cref="RecordPneResponseAsync"/>, and the epoch's delivery report when no member is pending any more after
    /// it. Answers are written in batches: whoever finds no write running starts one, which records every answer
    /// queued by then in one store operation and one SaveChanges (group commit). A gateway gets one answer per member
    /// per epoch, all within moments of its broadcast, and a store operation per answer was a fifth of a loaded
    /// gateway's CPU. An answer's task completes once its batch is saved.
    /// </summary>
    internal async Task<(PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete)> RecordPneResponseAndReportAsync(
        string pneId, string groupId, ulong epoch, BroadcastDecryptStatus status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        var answer = new PneAnswer(pneId, groupId, epoch, status);
        bool startWriter;
        lock (_answersLock)
        {
            _queuedAnswers.Add(answer);
            startWriter = !_writingAnswers;
            _writingAnswers = true;
        }

        if (startWriter)
        {
            // Not on the caller's token: the batch holds other callers' answers too.
            _ = Task.Run(WriteQueuedAnswersAsync, CancellationToken.None);
        }

        return await answer.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The per-PNE delivery of the group's latest epoch, or null when the gateway holds no such group.</summary>
    public Task<GroupKeyDeliveryReport?> GetDeliveryReportAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _store.RunAsync(
            async db =>
            {
                var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.GroupId == groupId, cancellationToken).ConfigureAwait(false);
                if (group is null)
                {
                    return null;
                }

                var members = await db.GroupMembers.AsNoTracking().Where(m => m.GroupId == groupId).ToListAsync(cancellationToken).ConfigureAwait(false);
                return new GroupKeyDeliveryReport(groupId, (ulong)group.Epoch, Entries(members));
            },
            cancellationToken);
    }

    /// <summary>The expected members of the group's latest epoch that have not confirmed receiving it, to broadcast again on reconnect.</summary>
    public Task<IReadOnlyList<string>> PnesMissingAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _store.RunAsync<IReadOnlyList<string>>(
            async db => await db.GroupMembers.AsNoTracking()
                .Where(m => m.GroupId == groupId && m.State != PneDeliveryState.Received)
                .OrderBy(m => m.PneId)
                .Select(m => m.PneId)
                .ToListAsync(cancellationToken).ConfigureAwait(false),
            cancellationToken);
    }

    /// <summary>The latest broadcasts of every group in which <paramref name="pneId"/> is an expected member that has not confirmed: to publish again when it reconnects.</summary>
    public Task<IReadOnlyList<PendingBroadcast>> PendingForPneAsync(string pneId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pneId);
        return _store.RunAsync<IReadOnlyList<PendingBroadcast>>(
            async db =>
            {
                var groupIds = await db.GroupMembers.AsNoTracking()
                    .Where(m => m.PneId == pneId && m.State != PneDeliveryState.Received)
                    .Select(m => m.GroupId)
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                var groups = await db.Groups.AsNoTracking().Where(g => groupIds.Contains(g.GroupId)).ToListAsync(cancellationToken).ConfigureAwait(false);
                return [.. groups
                    .OrderBy(g => g.GroupId, StringComparer.Ordinal)
                    .Select(g => (Group: g, Broadcast: ToBroadcast(g)))
                    .Where(x => x.Broadcast is not null)
                    .Select(x => new PendingBroadcast(x.Group.GroupId, (ulong)x.Group.Epoch, x.Broadcast!))];
            },
            cancellationToken);
    }

    /// <summary>The group's latest stored broadcast (to publish again, for instance after a restart), or null.</summary>
    public Task<GroupKeyBroadcast?> GetLatestBroadcastAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        return _store.RunAsync(
            async db =>
            {
                var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.GroupId == groupId, cancellationToken).ConfigureAwait(false);
                return group is null ? null : ToBroadcast(group);
            },
            cancellationToken);
    }

    internal static GroupKeyBroadcast? ToBroadcast(GroupEntity group) =>
        group.BroadcastHeader.Length == 0
            ? null
            : new GroupKeyBroadcast(
                (BroadcastSchemeId)group.BroadcastScheme,
                (CipherSuite)group.BroadcastSuite,
                group.BroadcastPnId,
                group.GroupId,
                (ulong)group.Epoch,
                group.BroadcastHeader,
                group.BroadcastNonce,
                group.BroadcastSealedKey);

    private static string EpochText(ulong epoch) => epoch.ToString(CultureInfo.InvariantCulture);

    private static void SetBroadcast(GroupEntity group, GroupKeyBroadcast? broadcast)
    {
        group.BroadcastHeader = broadcast?.Header.ToArray() ?? [];
        group.BroadcastNonce = broadcast?.Nonce.ToArray() ?? [];
        group.BroadcastSealedKey = broadcast?.SealedKey.ToArray() ?? [];
        group.BroadcastScheme = (byte)(broadcast?.Scheme ?? 0);
        group.BroadcastSuite = (int)(broadcast?.Suite ?? 0);
        group.BroadcastPnId = broadcast?.PnId ?? string.Empty;
    }

    private async Task<GroupKeyNotificationResult> HandleNotificationCoreAsync(GatewayDbContext db, GroupKeyNotification notification, CancellationToken cancellationToken)
    {
        var groupId = notification.GroupId ?? string.Empty;
        var epoch = notification.Epoch;
        Log.Step2Received(_logger, groupId, epoch, notification.MemberPneIds.Count, notification.Reason);
        if (groupId.Length == 0 || epoch is 0 or > long.MaxValue || notification.WrappedGroupKey.Length != GroupKey.KeySize + WrappingKey.Overhead)
        {
            return Finish(GroupKeyNotificationResult.Refused(GroupKeyNotificationStatus.Invalid, groupId, epoch));
        }

        var gatewayId = _store.GatewayId;
        var pnId = _store.PnId;
        var gatewayKey = _store.GatewayKey;
        if (gatewayId is null || pnId is null || gatewayKey is null)
        {
            return Finish(GroupKeyNotificationResult.Refused(GroupKeyNotificationStatus.NotEnrolled, groupId, epoch));
        }

        var keyBytes = GC.AllocateArray<byte>(GroupKey.KeySize, pinned: true);
        try
        {
            if (!gatewayKey.TryOpen(notification.WrappedGroupKey.Span, EndToEndAssociatedData.GroupKeyToGateway(gatewayId, groupId, epoch), keyBytes, out _))
            {
                return Finish(GroupKeyNotificationResult.Refused(GroupKeyNotificationStatus.UnwrapFailed, groupId, epoch));
            }

            using var groupKey = GroupKey.Import(groupId, epoch, keyBytes);
            var stored = await GatewayQueries.Group(db, groupId, cancellationToken).ConfigureAwait(false);
            var lastDeleted = await GatewayQueries.LastGroupDelete(db, groupId, cancellationToken).ConfigureAwait(false);
            var epochValue = (long)epoch;
            if ((stored is not null && epochValue < stored.Epoch) || epochValue <= lastDeleted)
            {
                return Finish(GroupKeyNotificationResult.Refused(GroupKeyNotificationStatus.Stale, groupId, epoch));
            }

            var members = await ResolveMembersAsync(db, notification.MemberPneIds, cancellationToken).ConfigureAwait(false);
            if (stored is not null && epochValue == stored.Epoch)
            {
                return await SameEpochAsync(db, stored, groupKey, keyBytes, members, pnId, cancellationToken).ConfigureAwait(false);
            }

            var broadcast = await BuildBroadcastAsync(db, groupKey, members, pnId, cancellationToken).ConfigureAwait(false);
            var now = _store.Time.GetUtcNow();
            if (stored is null)
            {
                stored = new GroupEntity
                {
                    GroupId = groupId,
                    GroupKeySealed = [],
                    BroadcastHeader = [],
                    BroadcastNonce = [],
                    BroadcastSealedKey = [],
                    BroadcastPnId = string.Empty,
                };
                db.Groups.Add(stored);
            }

            stored.Epoch = epochValue;
            stored.GroupKeySealed = _store.Sealer.Seal(keyBytes, SecretSealer.GroupKeyKind, groupId, EpochText(epoch));
            stored.Reason = notification.Reason;
            stored.ReceivedAt = now;
            SetBroadcast(stored, broadcast);
            // The previous epoch's rows are reused for the members that stay (a new epoch starts every one Pending).
            var previous = await GatewayQueries.Members(db, groupId).ToListAsync(cancellationToken).ConfigureAwait(false);
            var superseded = SupersededReport(groupId, previous);
            var replaced = previous.ConvertAll(m => m.PneId);
            var joining = members.Expected.ToHashSet(StringComparer.Ordinal);
            var leaving = new List<string>();
            foreach (var pneId in replaced)
            {
                if (!joining.Remove(pneId))
                {
                    leaving.Add(pneId);
                }
            }

            // Set-based, not a tracked row per member: SaveChanges wrote one UPDATE per member, and its change tracking
            // was a fifth of a loaded gateway's allocations (fix 24 in bench/results/load-notes.md). One transaction, so
            // that a crash leaves the previous epoch whole.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (leaving.Count > 0)
            {
                string[] leavingIds = [.. leaving];
                await db.GroupMembers.Where(m => m.GroupId == groupId && leavingIds.Contains(m.PneId)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            }

            if (leaving.Count < previous.Count)
            {
                await db.GroupMembers
                    .Where(m => m.GroupId == groupId)
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(m => m.Epoch, epochValue).SetProperty(m => m.State, PneDeliveryState.Pending).SetProperty(m => m.AnsweredAt, (DateTimeOffset?)null),
                        cancellationToken)
                    .ConfigureAwait(false);
            }

            db.GroupMembers.AddRange(joining.Select(pneId => new GroupMemberEntity { GroupId = groupId, PneId = pneId, Epoch = epochValue, State = PneDeliveryState.Pending }));
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            RememberUnanswered(groupId, superseded.Unanswered);
            Log.EpochStored(_logger, groupId, epoch);
            return Finish(new GroupKeyNotificationResult(GroupKeyNotificationStatus.Delivered, groupId, epoch, broadcast, members.Expected, members.Excluded)
            {
                Superseded = superseded.Report,
                ReplacedMembers = replaced,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
        }
    }

    private async Task<GroupKeyNotificationResult> SameEpochAsync(
        GatewayDbContext db,
        GroupEntity stored,
        GroupKey groupKey,
        byte[] keyBytes,
        ResolvedMembers members,
        string pnId,
        CancellationToken cancellationToken)
    {
        var groupId = stored.GroupId;
        var epoch = (ulong)stored.Epoch;
        var storedKey = _store.Sealer.Open(stored.GroupKeySealed, SecretSealer.GroupKeyKind, groupId, EpochText(epoch));
        bool sameKey;
        try
        {
            sameKey = CryptographicOperations.FixedTimeEquals(storedKey, keyBytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(storedKey);
        }

        if (!sameKey)
        {
            return Finish(GroupKeyNotificationResult.Refused(GroupKeyNotificationStatus.Conflict, groupId, epoch));
        }

        var current = await GatewayQueries.Members(db, groupId).ToListAsync(cancellationToken).ConfigureAwait(false);

        // Within one epoch the server only ever adds members: a leave always issues a new epoch. A notification that
        // names fewer members than this gateway holds is an older one overtaken by a newer (two joins in quick
        // succession, the server's publishes reordered), so the members it lacks are kept: dropping them would leave
        // a joiner without the key until the next rotation. (A PNE the gateway removes leaves every group at once.)
        var held = members.Expected.ToHashSet(StringComparer.Ordinal);
        var lacking = current.Select(m => m.PneId).Where(p => !held.Contains(p)).ToList();
        if (lacking.Count > 0)
        {
            var kept = await ResolveMembersAsync(db, lacking, cancellationToken).ConfigureAwait(false);
            members = new ResolvedMembers([.. members.Leaves, .. kept.Leaves], [.. members.Expected, .. kept.Expected], members.Excluded);
        }

        var expected = members.Expected.ToHashSet(StringComparer.Ordinal);
        if (current.Select(m => m.PneId).ToHashSet(StringComparer.Ordinal).SetEquals(expected))
        {
            return Finish(new GroupKeyNotificationResult(GroupKeyNotificationStatus.Duplicate, groupId, epoch, ToBroadcast(stored), members.Expected, members.Excluded));
        }

        // A join without rotation: same key, new cover. Members that already confirmed keep their state.
        var broadcast = await BuildBroadcastAsync(db, groupKey, members, pnId, cancellationToken).ConfigureAwait(false);
        SetBroadcast(stored, broadcast);
        db.GroupMembers.RemoveRange(current.Where(m => !expected.Contains(m.PneId)));
        var known = current.Select(m => m.PneId).ToHashSet(StringComparer.Ordinal);
        db.GroupMembers.AddRange(members.Expected.Where(p => !known.Contains(p)).Select(pneId => new GroupMemberEntity { GroupId = groupId, PneId = pneId, Epoch = stored.Epoch, State = PneDeliveryState.Pending }));
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return Finish(new GroupKeyNotificationResult(GroupKeyNotificationStatus.MembersChanged, groupId, epoch, broadcast, members.Expected, members.Excluded));
    }

    private async Task<GroupKeyBroadcast?> BuildBroadcastAsync(GatewayDbContext db, GroupKey groupKey, ResolvedMembers members, string pnId, CancellationToken cancellationToken)
    {
        // No key material set means no PNE holds a GKDK yet: there is nobody to broadcast to.
        var keyMaterial = await _store.GetKeyMaterialAsync(db, cancellationToken).ConfigureAwait(false);
        if (keyMaterial is null)
        {
            return null;
        }

        // Steps 4 and 5: a fresh GKEK wrapped for the cover of exactly the members' leaves; the GK sealed under it.
        var broadcast = BroadcastScheme.SubsetDifference.Encrypt(keyMaterial, members.Leaves, groupKey, pnId);
        Log.Step4Gkek(_logger, groupKey.GroupId, groupKey.Epoch, members.Leaves.Length, broadcast.HeaderEntryCount);
        Log.Step5Sealed(_logger, groupKey.GroupId, groupKey.Epoch);
        GatewayMetrics.BroadcastHeaderEntries.Record(broadcast.HeaderEntryCount);
        return broadcast;
    }

    private static async Task<ResolvedMembers> ResolveMembersAsync(GatewayDbContext db, IReadOnlyList<string> memberPneIds, CancellationToken cancellationToken)
    {
        var ids = memberPneIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToArray();
        var rows = await GatewayQueries.Pnes(db, ids).ToDictionaryAsync(p => p.PneId, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var leaves = new List<int>(ids.Length);
        var expected = new List<string>(ids.Length);
        var excluded = new List<ExcludedPne>();
        foreach (var id in ids)
        {
            if (!rows.TryGetValue(id, out var pne))
            {
                excluded.Add(new ExcludedPne(id, MemberExclusionReason.UnknownPne));
            }
            else if (pne.Removed)
            {
                excluded.Add(new ExcludedPne(id, MemberExclusionReason.Removed));
            }
            else if (pne.Leaf is not { } leaf)
            {
                excluded.Add(new ExcludedPne(id, MemberExclusionReason.NoGkdk));
            }
            else
            {
                leaves.Add(leaf);
                expected.Add(id);
            }
        }

        return new ResolvedMembers([.. leaves], expected, excluded);
    }

    private async Task WriteQueuedAnswersAsync()
    {
        while (true)
        {
            List<PneAnswer> batch;
            lock (_answersLock)
            {
                if (_queuedAnswers.Count == 0)
                {
                    _writingAnswers = false;
                    return;
                }

                batch = _queuedAnswers;
                _queuedAnswers = [];
            }

            try
            {
                var results = await _store.RunAsync(db => RecordAnswersAsync(db, batch), CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    var answer = batch[i];
                    Log.PneResponse(_logger, answer.PneId, answer.GroupId, answer.Epoch, answer.Status, results[i].Outcome);
                    GatewayMetrics.PneResponses.Add(1, new KeyValuePair<string, object?>("outcome", results[i].Outcome.ToString()), new KeyValuePair<string, object?>("status", answer.Status.ToString()));
                    answer.Result.TrySetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                // The store failed or was closed: every caller of the batch sees it, and nothing of it was recorded.
                foreach (var answer in batch)
                {
                    answer.Result.TrySetException(e);
                }
            }
        }
    }

    private async Task<(PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete)[]> RecordAnswersAsync(GatewayDbContext db, List<PneAnswer> batch)
    {
        var results = new (PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete)[batch.Count];
        var active = await GatewayQueries.ActivePneIds(db, [.. batch.Select(a => a.PneId).Distinct(StringComparer.Ordinal)])
            .ToHashSetAsync(StringComparer.Ordinal).ConfigureAwait(false);

        var late = new List<int>();
        var lastRecorded = new Dictionary<string, int>(StringComparer.Ordinal);
        var updates = new Dictionary<(string GroupId, string PneId), PneDeliveryState>();
        foreach (var group in Enumerable.Range(0, batch.Count).GroupBy(i => batch[i].GroupId, StringComparer.Ordinal))
        {
            // The epoch only: the group row also holds the sealed key and the broadcast, which this does not need.
            var latest = await GatewayQueries.GroupEpoch(db, group.Key, CancellationToken.None).ConfigureAwait(false);
            var current = new List<int>();
            foreach (var i in group)
            {
                if (!active.Contains(batch[i].PneId))
                {
                    results[i] = (PneResponseOutcome.UnknownPne, null);
                }
                else if (latest is not { } latestEpoch)
                {
                    results[i] = (PneResponseOutcome.UnknownGroup, null);
                }
                else
                {
                    (batch[i].Epoch == (ulong)latestEpoch ? current : late).Add(i);
                }
            }

            if (current.Count == 0)
            {
                continue;
            }

            // The answering members only: reading every member for every answer made an epoch's answers cost the square
            // of its members.
            var members = await GatewayQueries.MemberIdsAmong(db, group.Key, [.. current.Select(i => batch[i].PneId)])
                .ToHashSetAsync(StringComparer.Ordinal).ConfigureAwait(false);
            foreach (var i in current)
            {
                if (!members.Contains(batch[i].PneId))
                {
                    results[i] = (PneResponseOutcome.NotAMember, null);
                    continue;
                }

                updates[(group.Key, batch[i].PneId)] = ToState(batch[i].Status); // a second answer in the batch wins
                results[i] = (PneResponseOutcome.Recorded, null);
                lastRecorded[group.Key] = i;
            }
        }

        // One UPDATE per group and state, not a tracked entity and a statement per answer: change tracking and
        // SaveChanges were about a tenth of a loaded gateway's CPU (fix 21 in bench/results/load-notes.md). Several
        // statements go in one transaction, so that a failed batch records none of its answers; one is atomic alone.
        var statements = updates.GroupBy(u => (u.Key.GroupId, State: u.Value)).ToList();
        if (statements.Count > 0)
        {
            var answeredAt = _store.Time.GetUtcNow();
            await using var transaction = statements.Count > 1 ? await db.Database.BeginTransactionAsync().ConfigureAwait(false) : null;
            foreach (var update in statements)
            {
                string[] pneIds = [.. update.Select(u => u.Key.PneId)];
                var (groupId, state) = update.Key;
                await db.GroupMembers
                    .Where(m => m.GroupId == groupId && pneIds.Contains(m.PneId))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, state).SetProperty(m => m.AnsweredAt, answeredAt))
                    .ConfigureAwait(false);
            }

            if (transaction is not null)
            {
                await transaction.CommitAsync().ConfigureAwait(false);
            }
        }

        // The report goes with the answer that left no member pending; every row is read only then.
        foreach (var (groupId, i) in lastRecorded)
        {
            if (!await GatewayQueries.AnyPending(db, groupId, CancellationToken.None).ConfigureAwait(false))
            {
                var members = await GatewayQueries.Members(db, groupId).ToListAsync().ConfigureAwait(false);
                results[i] = (PneResponseOutcome.Recorded, new GroupKeyDeliveryReport(groupId, batch[i].Epoch, Entries(members)));
            }
        }

        // After the save, so that a failed batch leaves the late answers still awaited.
        foreach (var i in late)
        {
            results[i] = RecordLate(batch[i]);
        }

        return results;
    }

    // A member that answers the epoch a newer one replaced before it answered: reported alone, for that epoch.
    private (PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete) RecordLate(PneAnswer answer)
    {
        if (!_superseded.TryGetValue(answer.GroupId, out var lateEpochs) || lateEpochs.Find(e => e.Epoch == answer.Epoch) is not { } late || !late.Unanswered.Remove(answer.PneId))
        {
            return (PneResponseOutcome.EpochMismatch, null);
        }

        _unanswered--;
        if (late.Unanswered.Count == 0)
        {
            lateEpochs.Remove(late);
            if (lateEpochs.Count == 0)
            {
                _superseded.Remove(answer.GroupId);
            }
        }

        return (PneResponseOutcome.Late, new GroupKeyDeliveryReport(answer.GroupId, answer.Epoch, [new PneDeliveryEntry(answer.PneId, ToState(answer.Status), _store.Time.GetUtcNow())]));
    }

    // A report's entries: in PNE id order, so that a report reads the same whatever order the answers came in.
    private static List<PneDeliveryEntry> Entries(IEnumerable<GroupMemberEntity> members) =>
        [.. members.OrderBy(m => m.PneId, StringComparer.Ordinal).Select(m => new PneDeliveryEntry(m.PneId, m.State, m.AnsweredAt))];

    private static PneDeliveryState ToState(BroadcastDecryptStatus status) => status switch
    {
        BroadcastDecryptStatus.Success => PneDeliveryState.Received,
        BroadcastDecryptStatus.NotARecipient => PneDeliveryState.NotARecipient,
        _ => PneDeliveryState.Failed,
    };

    // What the server has not been told of an epoch being replaced: the answers so far (the complete report went out
    // already if nobody was pending) and who is still due.
    private static (GroupKeyDeliveryReport? Report, SupersededEpoch? Unanswered) SupersededReport(string groupId, List<GroupMemberEntity> rows)
    {
        var pending = rows.Where(m => m.State == PneDeliveryState.Pending).Select(m => m.PneId).ToHashSet(StringComparer.Ordinal);
        if (pending.Count == 0)
        {
            return (null, null);
        }

        var epoch = (ulong)rows[0].Epoch;
        var answered = Entries(rows.Where(m => m.State != PneDeliveryState.Pending));
        return (answered.Count == 0 ? null : new GroupKeyDeliveryReport(groupId, epoch, answered), new SupersededEpoch(epoch, pending));
    }

    private void RememberUnanswered(string groupId, SupersededEpoch? unanswered)
    {
        if (unanswered is null)
        {
            return;
        }

        if (!_superseded.TryGetValue(groupId, out var epochs))
        {
            if (_superseded.Count >= SupersededGroupsKept)
            {
                ForgetOldest(_superseded.Keys.First(), all: true);
            }

            _superseded[groupId] = epochs = [];
        }

        if (epochs.Count >= SupersededEpochsKept)
        {
            ForgetOldest(groupId, all: false);
        }

        epochs.Add(unanswered);
        _unanswered += unanswered.Unanswered.Count;
        while (_unanswered > UnansweredKept && _superseded.Count > 0)
        {
            ForgetOldest(_superseded.Keys.First(), all: false);
        }
    }

    // Drops a group's oldest superseded epoch (or all of them), and the group when none is left.
    private void ForgetOldest(string groupId, bool all)
    {
        var epochs = _superseded[groupId];
        do
        {
            _unanswered -= epochs[0].Unanswered.Count;
            epochs.RemoveAt(0);
        }
        while (all && epochs.Count > 0);

        if (epochs.Count == 0)
        {
            _superseded.Remove(groupId);
        }
    }

    private GroupKeyNotificationResult Finish(GroupKeyNotificationResult result)
    {
        // Step 3: the status goes back to the server in the Group Key Response; step 6 is the transport's publish.
        if (result.Accepted)
        {
            Log.Step3Accepted(_logger, result.GroupId, result.Epoch, result.Status, result.ExpectedPneIds.Count, result.ExcludedPnes.Count);
            if (result.Broadcast is not null && result.Status != GroupKeyNotificationStatus.Duplicate)
            {
                Log.Step6Ready(_logger, result.GroupId, result.Epoch);
            }
        }
        else
        {
            Log.Step3Refused(_logger, result.GroupId, result.Epoch, result.Status);
        }

        GatewayMetrics.Notifications.Add(1, new KeyValuePair<string, object?>("status", result.Status.ToString()));
        return result;
    }

    private sealed record ResolvedMembers(int[] Leaves, List<string> Expected, List<ExcludedPne> Excluded);
}
