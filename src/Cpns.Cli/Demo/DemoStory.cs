using System.Diagnostics;
using Cpns.Device.Storage;

namespace Cpns.Cli.Demo;

/// <summary>
/// The documents' story on a running <see cref="DemoSystem"/>, step by step: the server and gateways start, PNEs pair
/// (EU-Key) and get their GKDKs (flow 6.1.2.2), Service Groups spanning every PN are created and their GK reaches every
/// member and no non-member (flow 6.x.y), a member leaves, a member is compromised, a periodic rotation fires, members
/// exchange group messages, the groups are deleted. Every check reads the devices' own key stores (or what the device
/// itself logged when it tried a broadcast); a step that fails stops the story.
/// </summary>
internal sealed class DemoStory
{
    private readonly DemoSystem _system;
    private readonly int _rotateEverySeconds;
    private readonly List<StoryStep> _steps;
    private readonly List<StoryGroup> _groups;

    public DemoStory(DemoSystem system, int groups, int rotateEverySeconds)
    {
        _system = system;
        _rotateEverySeconds = rotateEverySeconds;
        _groups = [.. Enumerable.Range(1, groups).Select(g => new StoryGroup($"demo-group-{g}"))];
        _steps =
        [
            new("server-started", "CPNS Server started (REST API, embedded MQTT broker over TLS, database)"),
            new("gateways-enrolled", "PN Gateways enrolled with one-time tokens and linked to the server over MQTT 5 + TLS"),
            new("pnes-paired", "PNEs registered in their PNs (EU-Key assignment)"),
            new("gkdks-assigned", "Every PNE received its GKDK from its PN GW's key material set (flow 6.1.2.2)"),
            new("groups-created", "Service Groups spanning every PN created; the server created each GK (epoch 1)"),
            new("gk-delivered", "The GK reached every member and no non-member (flow 6.x.y)"),
            new("member-left", "A member left: its GK deleted from its store, the group rotated, it never holds the new epoch"),
            new("member-compromised", "A member was compromised: the group rotated and it could not open the new epoch"),
            new("periodic-rotation", "A periodic rotation fired on the server's schedule and reached every member"),
            new("group-messages", "Members exchanged group messages across PNs; nobody else could read them"),
            new("groups-deleted", "The groups were deleted and every device deleted the key"),
            new("deliveries-acknowledged", "Every delivery to every PN GW was answered: none is left pending"),
        ];
    }

    public IReadOnlyList<StoryStep> Steps => _steps;

    public IReadOnlyList<StoryGroup> Groups => _groups;

    public DemoSystem System => _system;

    public bool Passed => _steps.All(s => s.Passed == true);

    /// <summary>Delivery rows seen at the end: acknowledged, superseded by a later epoch, and all.</summary>
    public (int Acknowledged, int Superseded, int Total) Deliveries { get; private set; }

    private TimeSpan Timeout => _system.Options.Timeout;

    /// <summary>Runs every step in order; stops at the first that fails. Returns whether all passed.</summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var bodies = new Func<CancellationToken, Task<string>>[]
        {
            StartServerAsync, StartGatewaysAsync, PairAsync, GkdksAsync, CreateGroupsAsync, DeliveredAsync,
            MemberLeavesAsync, MemberCompromisedAsync, PeriodicRotationAsync, GroupMessagesAsync, DeleteGroupsAsync, DeliveriesAsync,
        };
        for (var i = 0; i < _steps.Count; i++)
        {
            if (!await RunStepAsync(_steps[i], bodies[i], cancellationToken).ConfigureAwait(false))
            {
                foreach (var rest in _steps.Skip(i + 1))
                {
                    rest.Passed = false;
                    rest.Detail = $"not run: step {_steps[i].Name} failed";
                }

                return false;
            }
        }

        return true;
    }

    private static async Task<bool> RunStepAsync(StoryStep step, Func<CancellationToken, Task<string>> body, CancellationToken cancellationToken)
    {
        step.Running = true;
        var clock = Stopwatch.StartNew();
        try
        {
            step.Detail = await body(cancellationToken).ConfigureAwait(false);
            step.Passed = true;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or HttpRequestException or IOException or DeviceStoreException)
        {
            step.Passed = false;
            step.Detail = e.Message;
        }
        finally
        {
            step.DurationMs = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
            step.Running = false;
        }

        return step.Passed == true;
    }

    private async Task<string> StartServerAsync(CancellationToken ct)
    {
        await _system.StartServersAsync(ct).ConfigureAwait(false);
        var server = _system.Servers[0];
        return $"{_system.Servers.Count} instance(s); REST {server.Api}, MQTT {server.Mqtt}";
    }

    private async Task<string> StartGatewaysAsync(CancellationToken ct)
    {
        await _system.StartGatewaysAsync(ct).ConfigureAwait(false);
        return string.Join(", ", _system.Gateways.Select(g => $"{g.GatewayId} (PN {g.PnId}, broker {g.PnEndpoint})"));
    }

    private async Task<string> PairAsync(CancellationToken ct)
    {
        var step = _steps[2];
        var total = _system.Options.Pns * _system.Options.PnesPerPn;
        await _system.PairAsync(new SynchronousProgress(n => step.Detail = $"{n}/{total} paired"), ct).ConfigureAwait(false);
        return $"{_system.Pnes.Count} PNEs paired over the gateways' pairing listeners; the server's inventory lists each";
    }

    private async Task<string> GkdksAsync(CancellationToken ct)
    {
        var leaves = new List<string>();
        foreach (var gateway in _system.Gateways)
        {
            // Within a PN every PNE has a leaf of its own in the gateway's tree.
            var pnLeaves = new HashSet<int>();
            foreach (var pne in _system.Pnes.Where(p => p.Gateway == gateway))
            {
                var (hasGkdk, leaf) = await pne.GetGkdkAsync(ct).ConfigureAwait(false);
                if (!hasGkdk || leaf is null)
                {
                    throw new InvalidOperationException($"{pne.PneId}'s store holds no GKDK.");
                }

                if (!pnLeaves.Add(leaf.Value))
                {
                    throw new InvalidOperationException($"{pne.PneId} got leaf {leaf} that another PNE of {gateway.PnId} has.");
                }
            }

            leaves.Add($"{gateway.PnId}: leaves {string.Join(",", pnLeaves.Order())}");
        }

        return $"{_system.Pnes.Count} GKDKs in the PNEs' stores, one leaf each ({string.Join("; ", leaves)})";
    }

    private async Task<string> CreateGroupsAsync(CancellationToken ct)
    {
        var perPn = _system.Options.PnesPerPn;
        for (var g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            group.Id = await Api(g).CreateGroupAsync(group.Name, _rotateEverySeconds, ct).ConfigureAwait(false);
            group.Epoch = 1;

            // In every PN all PNEs but one are members; which one is left out differs from group to group.
            var outsider = (g % perPn) + 1;
            foreach (var pne in _system.Pnes.Where(p => !p.PneId.EndsWith($"-pne-{outsider}", StringComparison.Ordinal)))
            {
                await Api(g).AddMemberAsync(group.Id, pne.Gateway.GatewayId, pne.PneId, ct).ConfigureAwait(false);
                group.Roles[pne.PneId] = MemberRole.Member;
            }
        }

        return string.Join("; ", _groups.Select(g => $"{g.Name} ({g.Id}): {g.Roles.Count} members in {_system.Gateways.Count} PNs, epoch 1"));
    }

    private async Task<string> DeliveredAsync(CancellationToken ct)
    {
        foreach (var group in _groups)
        {
            await WaitMembersHoldAsync(group, 1, ct).ConfigureAwait(false);
            var outsiders = _system.Pnes.Where(p => group.RoleOf(p.PneId) == MemberRole.NonMember).ToList();
            await Eventually.TrueAsync(
                () => Task.FromResult(outsiders.All(p => p.FailedToOpen(group.Id, 1))),
                $"every non-member of {group.Name} to receive its broadcast and fail to open it",
                Timeout,
                ct).ConfigureAwait(false);
            foreach (var outsider in outsiders)
            {
                if (await outsider.GetGroupAsync(group.Id, ct).ConfigureAwait(false) is not null)
                {
                    throw new InvalidOperationException($"Non-member {outsider.PneId} holds a key of {group.Name}.");
                }
            }
        }

        var members = _groups.Sum(g => g.Roles.Count);
        var outsidersTotal = _groups.Sum(g => _system.Pnes.Count - g.Roles.Count);
        return $"{members} member stores hold epoch 1; {outsidersTotal} non-members received the broadcast, tried their GKDK and could not open it";
    }

    private async Task<string> MemberLeavesAsync(CancellationToken ct)
    {
        var group = _groups[0];
        var leaving = FirstMember(group, _system.Gateways[0]);
        var epoch = await Api(1).RemoveMemberAsync(group.Id, leaving.Gateway.GatewayId, leaving.PneId, ct).ConfigureAwait(false);
        group.Roles[leaving.PneId] = MemberRole.Left;
        group.Epoch = Math.Max(group.Epoch, epoch);
        _steps[6].Epoch = epoch;
        await Eventually.TrueAsync(
            async () => (await leaving.GetGroupAsync(group.Id, ct).ConfigureAwait(false))?.Status == GroupKeyStatus.Deleted,
            $"{leaving.PneId} to delete the key of {group.Name} from its store",
            Timeout,
            ct).ConfigureAwait(false);
        await WaitMembersHoldAsync(group, epoch, ct).ConfigureAwait(false);
        if (await leaving.ActiveEpochAsync(group.Id, ct).ConfigureAwait(false) != 0)
        {
            throw new InvalidOperationException($"{leaving.PneId} still holds an active key of {group.Name} after leaving.");
        }

        return $"{leaving.PneId} left {group.Name}: its store shows the key deleted; the {Count(group, MemberRole.Member)} remaining members hold epoch {epoch}";
    }

    private async Task<string> MemberCompromisedAsync(CancellationToken ct)
    {
        var group = _groups[0];
        var victim = FirstMember(group, _system.Gateways[1 % _system.Gateways.Count]);
        var epoch = await Api(0).CompromiseAsync(group.Id, victim.Gateway.GatewayId, victim.PneId, ct).ConfigureAwait(false);
        group.Roles[victim.PneId] = MemberRole.Compromised;
        group.Epoch = Math.Max(group.Epoch, epoch);
        _steps[7].Epoch = epoch;
        await WaitMembersHoldAsync(group, epoch, ct).ConfigureAwait(false);

        // The proof: the compromised device itself received the new epoch's broadcast and its GKDK could not open it.
        await Eventually.TrueAsync(
            () => Task.FromResult(victim.FailedToOpen(group.Id, (ulong)epoch)),
            $"{victim.PneId} to try the broadcast of epoch {epoch} and fail",
            Timeout,
            ct).ConfigureAwait(false);
        var held = await victim.GetGroupAsync(group.Id, ct).ConfigureAwait(false);
        if (held is { Status: GroupKeyStatus.Active } && held.Epoch >= (ulong)epoch)
        {
            throw new InvalidOperationException($"Compromised {victim.PneId} holds epoch {held.Epoch} of {group.Name}.");
        }

        return $"{victim.PneId} compromised: it received the broadcast of epoch {epoch}, tried its GKDK and could not open it "
            + $"(its store: {(held is null ? "no key" : $"{held.Status}, epoch {held.Epoch}")}); the other members hold epoch {epoch}";
    }

    private async Task<string> PeriodicRotationAsync(CancellationToken ct)
    {
        var epochs = new List<string>();
        foreach (var group in _groups)
        {
            var before = await _system.Api.CurrentEpochAsync(group.Id, ct).ConfigureAwait(false);
            long periodic = 0;
            await Eventually.TrueAsync(
                async () =>
                {
                    var audit = await _system.Api.AuditAsync(group.Id, ct).ConfigureAwait(false);
                    periodic = audit.Where(a => a.Actor == "system" && a.Action == "gk.rotated" && a.Epoch > before).Select(a => a.Epoch!.Value).DefaultIfEmpty(0).Max();
                    return periodic > 0;
                },
                $"a periodic rotation of {group.Name} (every {_rotateEverySeconds} s)",
                TimeSpan.FromSeconds(_rotateEverySeconds * 3) + Timeout,
                ct).ConfigureAwait(false);
            group.Epoch = Math.Max(group.Epoch, periodic);
            await WaitMembersHoldAsync(group, periodic, ct).ConfigureAwait(false);
            epochs.Add($"{group.Name} {before} → {periodic}");
        }

        _steps[8].Epoch = _groups[0].Epoch;
        return $"issued by the server's schedule, no API call: {string.Join("; ", epochs)}; every member holds it";
    }

    private async Task<string> GroupMessagesAsync(CancellationToken ct)
    {
        var group = _groups[0];
        var members = _system.Pnes.Where(p => group.RoleOf(p.PneId) == MemberRole.Member).ToList();
        foreach (var sender in members)
        {
            await sender.SendAsync(group.Id, $"hello from {sender.PneId}", ct).ConfigureAwait(false);
        }

        bool Opened(StoryPne receiver, StoryPne sender) => receiver.Received.Contains((group.Id, sender.PneId, $"hello from {sender.PneId}"));
        try
        {
            await Eventually.TrueAsync(
                () => Task.FromResult(members.All(m => members.Where(s => s != m).All(s => Opened(m, s)))),
                $"every member of {group.Name} to open every other member's message",
                Timeout,
                ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            var missing = members.SelectMany(m => members.Where(s => s != m && !Opened(m, s)).Select(s => $"{m.PneId} lacks {s.PneId}'s"));
            throw new TimeoutException($"{e.Message} {string.Join("; ", missing)}.", e);
        }

        // Give a stray copy time to arrive where it must not.
        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        var others = _system.Pnes.Where(p => group.RoleOf(p.PneId) != MemberRole.Member).ToList();
        foreach (var other in others)
        {
            if (other.Received.Any(r => r.GroupId == group.Id))
            {
                throw new InvalidOperationException($"{other.PneId} ({group.RoleOf(other.PneId)}) opened a message of {group.Name}.");
            }
        }

        var pns = members.Select(m => m.Gateway).Distinct().Count();
        return $"{members.Count} members in {pns} PNs each opened the {members.Count - 1} others' messages; {others.Count} others (non-members, left, compromised) opened none";
    }

    private async Task<string> DeleteGroupsAsync(CancellationToken ct)
    {
        var holders = 0;
        foreach (var group in _groups)
        {
            group.Epoch = await _system.Api.DeleteGroupAsync(group.Id, ct).ConfigureAwait(false);
            group.Deleted = true;
        }

        foreach (var group in _groups)
        {
            var held = new List<StoryPne>();
            foreach (var pne in _system.Pnes)
            {
                if (await pne.GetGroupAsync(group.Id, ct).ConfigureAwait(false) is not null)
                {
                    held.Add(pne);
                }
            }

            holders += held.Count;
            var left = held;
            try
            {
                await Eventually.TrueAsync(
                    async () =>
                    {
                        var still = new List<StoryPne>();
                        foreach (var pne in left)
                        {
                            if ((await pne.GetGroupAsync(group.Id, ct).ConfigureAwait(false))?.Status != GroupKeyStatus.Deleted)
                            {
                                still.Add(pne);
                            }
                        }

                        left = still;
                        return left.Count == 0;
                    },
                    $"every device that held a key of {group.Name} to delete it",
                    Timeout,
                    ct).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                var states = new List<string>();
                foreach (var pne in left)
                {
                    var info = await pne.GetGroupAsync(group.Id, ct).ConfigureAwait(false);
                    states.Add($"{pne.PneId} ({group.RoleOf(pne.PneId)}): {info?.Status} epoch {info?.Epoch}, highest seen {info?.HighestSeenEpoch}");
                }

                throw new TimeoutException($"{e.Message} Not deleted: {string.Join("; ", states)}.", e);
            }
        }

        foreach (var group in _groups)
        {
            foreach (var pne in _system.Pnes)
            {
                if (await pne.ActiveEpochAsync(group.Id, ct).ConfigureAwait(false) != 0)
                {
                    throw new InvalidOperationException($"{pne.PneId} still holds a key of deleted {group.Name}.");
                }
            }
        }

        return $"{_groups.Count} groups deleted; the {holders} stores that ever held a key show it deleted, no device holds one";
    }

    private async Task<string> DeliveriesAsync(CancellationToken ct)
    {
        var rows = new List<(string GatewayId, long Epoch, string Status)>();
        await Eventually.TrueAsync(
            async () =>
            {
                rows.Clear();
                foreach (var group in _groups)
                {
                    rows.AddRange(await _system.Api.DeliveriesAsync(group.Id, ct).ConfigureAwait(false));
                }

                Deliveries = (rows.Count(r => r.Status == "Acknowledged"), rows.Count(r => r.Status == "Superseded"), rows.Count);

                // Superseded: a later epoch reached the gateway before it answered this one, which is settled too.
                return rows.Count > 0 && rows.All(r => r.Status is "Acknowledged" or "Superseded");
            },
            "no delivery to be pending",
            Timeout,
            ct).ConfigureAwait(false);
        var (acknowledged, superseded, total) = Deliveries;
        return $"{total} deliveries (Group Key Notifications and deletes) to {rows.Select(r => r.GatewayId).Distinct().Count()} gateways: "
            + $"{acknowledged} acknowledged, {superseded} superseded by a later epoch before the answer, none pending";
    }

    /// <summary>The API of server instance <paramref name="n"/> (round robin): with several instances the story spreads its calls.</summary>
    private CpnsApi Api(int n) => _system.Apis[n % _system.Apis.Count];

    private StoryPne FirstMember(StoryGroup group, GatewayProcess gateway) =>
        _system.Pnes.First(p => p.Gateway == gateway && group.RoleOf(p.PneId) == MemberRole.Member);

    private static int Count(StoryGroup group, MemberRole role) => group.Roles.Values.Count(r => r == role);

    private async Task WaitMembersHoldAsync(StoryGroup group, long epoch, CancellationToken ct)
    {
        var missing = _system.Pnes.Where(p => group.RoleOf(p.PneId) == MemberRole.Member).ToList();
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    var still = new List<StoryPne>();
                    foreach (var pne in missing)
                    {
                        if (await pne.ActiveEpochAsync(group.Id, ct).ConfigureAwait(false) < (ulong)epoch)
                        {
                            still.Add(pne);
                        }
                    }

                    missing = still;
                    return missing.Count == 0;
                },
                $"every member of {group.Name} to hold epoch {epoch}",
                Timeout,
                ct).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Still without it: {string.Join(", ", missing.Select(p => p.PneId))}.", e);
        }
    }

    /// <summary>Reports on the caller's thread: the view reads the step's detail while it runs.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
