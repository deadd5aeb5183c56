using System.Security.Cryptography;
using Cpns.Crypto;

namespace Cpns.Device.Storage;

/// <summary>
/// The PNE's secure storage: one file holding its identity (PNE id, PN id, gateway id, leaf), its
/// EU-Key, its GKDK and, per Service Group, the current Group Key, its status and the highest epoch
/// ever seen. The whole file is sealed with AES-256-GCM under a <see cref="DeviceKey"/> and replaced
/// atomically on every change (docs/device.md).
/// </summary>
/// <remarks>
/// Epoch rules: a Group Key of epoch e is stored only if e is above every epoch seen for the group,
/// deleted epochs included; the current epoch again is a <see cref="GroupKeyAcceptance.Duplicate"/>;
/// anything older is a <see cref="GroupKeyAcceptance.Rollback"/>. The store is safe to use from
/// several threads: every operation runs under one lock, and a change is visible only once it is
/// on disk (a failed write reloads the previous state from the file).
/// </remarks>
public sealed partial class DeviceKeyStore : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DeviceKey _deviceKey;
    private readonly DeviceKeyStoreOptions _options;
    private StoreState _state;
    private bool _disposed;
    private bool _leftoversDeleted;

    // Every write encodes into this one pinned array and wipes it (see StoreCodec.Encode); used under _gate.
    private byte[] _plaintext = [];

    // And seals into this one; used under _gate.
    private byte[] _file = [];

    private DeviceKeyStore(string path, DeviceKey deviceKey, DeviceKeyStoreOptions options, StoreState state)
    {
        FilePath = path;
        _deviceKey = deviceKey;
        _options = options;
        _state = state;
        PneId = state.PneId;
    }

    /// <summary>The store file.</summary>
    public string FilePath { get; }

    /// <summary>The PNE's id (the subject of its certificate), bound into the file's associated data.</summary>
    public string PneId { get; }

    /// <summary>The PN the PNE is paired with, or null before pairing.</summary>
    public string? PnId => Volatile.Read(ref _state).PnId;

    /// <summary>The PN Gateway the PNE is paired with, or null before pairing.</summary>
    public string? GatewayId => Volatile.Read(ref _state).GatewayId;

    /// <summary>The PNE's leaf in its PN's key tree, or null before GKDK assignment.</summary>
    public int? Leaf => Volatile.Read(ref _state).Gkdk?.Leaf;

    /// <summary>Whether the store holds an EU-Key (pairing done).</summary>
    public bool IsPaired => Volatile.Read(ref _state).EuKey is not null;

    /// <summary>Whether the store holds a GKDK (GKDK assignment done).</summary>
    public bool HasGkdk => Volatile.Read(ref _state).Gkdk is not null;

    /// <summary>The store's settings.</summary>
    internal DeviceKeyStoreOptions Options => _options;

    /// <summary>Test hook: called at each stage of an atomic write; throwing <see cref="SimulatedCrashException"/> simulates a crash there.</summary>
    internal Action<StoreWriteStage>? WriteHook { get; set; }

    /// <summary>The array every write encodes its plaintext into, for tests that check it is wiped.</summary>
    internal ReadOnlyMemory<byte> WriteBuffer => _plaintext;

    /// <summary>Creates a new, empty store for <paramref name="pneId"/>. The caller keeps ownership of <paramref name="deviceKey"/> and must keep it alive while the store is used.</summary>
    /// <exception cref="DeviceStoreException">A store already exists at <paramref name="path"/>, or writing failed.</exception>
    public static Task<DeviceKeyStore> CreateAsync(
        string path,
        DeviceKey deviceKey,
        string pneId,
        DeviceKeyStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(deviceKey);
        CheckId(pneId, nameof(pneId));
        return CreateCoreAsync(path, deviceKey, pneId, CheckOptions(options), cancellationToken);
    }

    /// <summary>Opens an existing store. With <paramref name="expectedPneId"/>, refuses a store of another device.</summary>
    /// <exception cref="DeviceStoreException">
    /// The file is missing, not a store, failed authentication ("tampered or wrong device key"), or belongs to another PNE.
    /// </exception>
    public static Task<DeviceKeyStore> OpenAsync(
        string path,
        DeviceKey deviceKey,
        string? expectedPneId = null,
        DeviceKeyStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(deviceKey);
        return OpenCoreAsync(path, deviceKey, expectedPneId, CheckOptions(options), cancellationToken);
    }

    /// <summary>Opens the store at <paramref name="path"/>, creating an empty one for <paramref name="pneId"/> if there is none.</summary>
    public static Task<DeviceKeyStore> OpenOrCreateAsync(
        string path,
        DeviceKey deviceKey,
        string pneId,
        DeviceKeyStoreOptions? options = null,
        CancellationToken cancellationToken = default) =>
        File.Exists(path)
            ? OpenAsync(path, deviceKey, pneId, options, cancellationToken)
            : CreateAsync(path, deviceKey, pneId, options, cancellationToken);

    /// <summary>
    /// Records the outcome of pairing (EU-Key assignment): the PN, its gateway and the EU-Key (copied).
    /// Pairing with another PN drops the GKDK, which belongs to the previous gateway's key material set.
    /// </summary>
    public Task SetPairingAsync(string pnId, string gatewayId, WrappingKey euKey, CancellationToken cancellationToken = default)
    {
        CheckId(pnId, nameof(pnId));
        CheckId(gatewayId, nameof(gatewayId));
        ArgumentNullException.ThrowIfNull(euKey);
        return UpdateAsync(
            (state, _) =>
            {
                ApplyPairing(state, pnId, gatewayId, euKey);
                return (true, true);
            },
            cancellationToken);
    }

    private static void ApplyPairing(StoreState state, string pnId, string gatewayId, WrappingKey euKey)
    {
        Span<byte> bytes = stackalloc byte[WrappingKey.KeySize];
        try
        {
            euKey.Export(bytes);
            var copy = WrappingKey.Import(bytes);
            state.EuKey?.Dispose();
            state.EuKey = copy;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }

        if (state.PnId is not null && !string.Equals(state.PnId, pnId, StringComparison.Ordinal))
        {
            state.Gkdk?.Dispose();
            state.Gkdk = null;
        }

        state.PnId = pnId;
        state.GatewayId = gatewayId;
    }

    /// <summary>Stores the PNE's GKDK (copied), replacing any previous one.</summary>
    public Task SetGkdkAsync(Gkdk gkdk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gkdk);
        return UpdateAsync(
            (state, _) =>
            {
                var bytes = gkdk.Export();
                try
                {
                    var copy = Gkdk.Import(bytes);
                    state.Gkdk?.Dispose();
                    state.Gkdk = copy;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(bytes);
                }

                return (true, true);
            },
            cancellationToken);
    }

    /// <summary>
    /// Opens a GKDK wrapped under the stored EU-Key (a GKDK Assignment Response, flow 6.1.2.2 step 5)
    /// and stores it. The GKDK never leaves the store in the clear. Returns false, storing nothing,
    /// when the value fails authentication or is not a GKDK.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store holds no EU-Key yet.</exception>
    public Task<bool> InstallWrappedGkdkAsync(
        ReadOnlyMemory<byte> wrappedGkdk,
        ReadOnlyMemory<byte> associatedData,
        CancellationToken cancellationToken = default) =>
        UpdateAsync(
            (state, _) =>
            {
                if (state.EuKey is null)
                {
                    DeviceThrow.InvalidOperation("The device is not paired: there is no EU-Key to open the GKDK with.");
                }

                var length = Math.Max(0, wrappedGkdk.Length - WrappingKey.Overhead);
                var plain = GC.AllocateArray<byte>(length, pinned: true);
                try
                {
                    if (!state.EuKey.TryOpen(wrappedGkdk.Span, associatedData.Span, plain, out var written))
                    {
                        return (false, false);
                    }

                    Gkdk gkdk;
                    try
                    {
                        gkdk = Gkdk.Import(plain.AsSpan(0, written));
                    }
                    catch (FormatException)
                    {
                        return (false, false);
                    }

                    state.Gkdk?.Dispose();
                    state.Gkdk = gkdk;
                    return (true, true);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plain);
                }
            },
            cancellationToken);

    /// <summary>What the store knows about every group (never key bytes).</summary>
    public Task<IReadOnlyList<GroupKeyInfo>> GetGroupsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<GroupKeyInfo>>(
            state => [.. state.Groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal).Select(g => g.ToInfo())],
            cancellationToken);

    /// <summary>What the store knows about one group, or null if it never saw it.</summary>
    public Task<GroupKeyInfo?> GetGroupAsync(string groupId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        return ReadAsync(state => state.Groups.TryGetValue(groupId, out var g) ? g.ToInfo() : null, cancellationToken);
    }

    /// <summary>
    /// Applies the epoch rules to a Group Key and stores it (a copy) when its epoch is new.
    /// After a routine update the previous key stays usable for <see cref="DeviceKeyStoreOptions.GracePeriod"/>;
    /// after <see cref="GroupKeyUpdateReason.MemberLeft"/>, <see cref="GroupKeyUpdateReason.MemberCompromised"/>
    /// or <see cref="GroupKeyUpdateReason.Unspecified"/> it is wiped at once.
    /// </summary>
    public Task<GroupKeyAcceptance> AcceptGroupKeyAsync(
        GroupKey groupKey,
        GroupKeyUpdateReason reason = GroupKeyUpdateReason.Unspecified,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupKey);
        CheckId(groupKey.GroupId, nameof(groupKey));
        return UpdateAsync((state, now) => AcceptCore(state, groupKey, reason, now), cancellationToken);
    }

    /// <summary>
    /// Deletes every key of the group up to and including <paramref name="epoch"/> and records the
    /// deletion, so none of those epochs is ever accepted again.
    /// </summary>
    public Task<GroupKeyDeleteStatus> DeleteGroupKeyAsync(string groupId, ulong epoch, CancellationToken cancellationToken = default)
    {
        CheckId(groupId, nameof(groupId));
        if (epoch == 0)
        {
            DeviceThrow.ArgumentOutOfRange(nameof(epoch), "Epochs start at 1.");
        }

        return UpdateAsync((state, _) => DeleteCore(state, groupId, epoch), cancellationToken);
    }

    /// <summary>Wipes every key held in memory. The file stays.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _gate.Wait();
        try
        {
            _disposed = true;
            _state.Dispose();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"DeviceKeyStore(pne={PneId}, path={FilePath})";

    /// <summary>Runs <paramref name="read"/> on the state under the lock.</summary>
    internal async Task<T> ReadAsync<T>(Func<StoreState, T> read, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return read(_state);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="mutate"/> under the lock and, when it reports a change, writes the store
    /// before returning: a result is only ever acted on once it is durable. If the write fails, the
    /// in-memory state is reloaded from the (intact) file and the exception propagates.
    /// </summary>
    internal async Task<T> UpdateAsync<T>(Func<StoreState, long, (T Result, bool Changed)> mutate, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var changed = PruneExpired(_state, now);
            T result;
            try
            {
                (result, var mutated) = mutate(_state, now);
                changed |= mutated;
            }
            catch
            {
                // A mutation that throws midway may have changed memory only: the file is the truth.
                if (changed)
                {
                    await ReloadAsync().ConfigureAwait(false);
                }

                throw;
            }

            if (changed)
            {
                try
                {
                    // Once memory has changed the write is not cancellable: memory and file must agree.
                    await SaveAsync(_state, CancellationToken.None).ConfigureAwait(false);
                }
                catch
                {
                    await ReloadAsync().ConfigureAwait(false);
                    throw;
                }
            }

            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<DeviceKeyStore> CreateCoreAsync(
        string path,
        DeviceKey deviceKey,
        string pneId,
        DeviceKeyStoreOptions options,
        CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            DeviceThrow.Store(DeviceStoreError.AlreadyExists, $"A key store already exists at '{path}'.");
        }

        var state = new StoreState(pneId);
        var store = new DeviceKeyStore(path, deviceKey, options, state);
        await store.SaveAsync(state, cancellationToken).ConfigureAwait(false);
        return store;
    }

    private static async Task<DeviceKeyStore> OpenCoreAsync(
        string path,
        DeviceKey deviceKey,
        string? expectedPneId,
        DeviceKeyStoreOptions options,
        CancellationToken cancellationToken)
    {
        var state = await LoadAsync(path, deviceKey, expectedPneId, cancellationToken).ConfigureAwait(false);
        return new DeviceKeyStore(path, deviceKey, options, state);
    }

    private static async Task<StoreState> LoadAsync(string path, DeviceKey deviceKey, string? expectedPneId, CancellationToken cancellationToken)
    {
        var file = await StoreFile.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        var plaintext = StoreFile.Open(deviceKey, file, path, expectedPneId, out var pneId);
        try
        {
            var state = StoreCodec.Decode(plaintext, path);
            if (!string.Equals(state.PneId, pneId, StringComparison.Ordinal))
            {
                state.Dispose();
                DeviceThrow.Store(DeviceStoreError.Corrupt, $"The key store '{path}' authenticated but its content is not consistent.");
            }

            return state;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static GroupKeyAcceptance Decide(GroupRecord record, ulong epoch) =>
        epoch < record.HighestSeenEpoch || (epoch == record.HighestSeenEpoch && record.Status == GroupKeyStatus.Deleted)
            ? GroupKeyAcceptance.Rollback
            : epoch == record.HighestSeenEpoch ? GroupKeyAcceptance.Duplicate : GroupKeyAcceptance.Stored;

    private static DeviceKeyStoreOptions CheckOptions(DeviceKeyStoreOptions? options)
    {
        options ??= new DeviceKeyStoreOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.GracePeriod < TimeSpan.Zero)
        {
            DeviceThrow.ArgumentOutOfRange(nameof(options), "The grace period cannot be negative.");
        }

        if (options.CounterReservation < 1)
        {
            DeviceThrow.ArgumentOutOfRange(nameof(options), "The counter reservation must be at least 1.");
        }

        return options;
    }

    private static void CheckId(string id, string paramName)
    {
        ArgumentException.ThrowIfNullOrEmpty(id, paramName);
        if (System.Text.Encoding.UTF8.GetByteCount(id) > StoreCodec.MaxIdBytes)
        {
            DeviceThrow.Argument(paramName, "An id is longer than 1024 UTF-8 bytes.");
        }
    }

    private static bool PruneExpired(StoreState state, long now)
    {
        var changed = false;
        foreach (var group in state.Groups.Values)
        {
            if (group.Previous is not null && now >= group.PreviousExpiresAtUnixMs)
            {
                group.DropPrevious();
                changed = true;
            }
        }

        return changed;
    }

    private static GroupKey Copy(GroupKey key)
    {
        Span<byte> bytes = stackalloc byte[GroupKey.KeySize];
        try
        {
            key.ExportKey(bytes);
            return GroupKey.Import(key.GroupId, key.Epoch, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private (GroupKeyAcceptance, bool) AcceptCore(StoreState state, GroupKey key, GroupKeyUpdateReason reason, long now)
    {
        if (!state.Groups.TryGetValue(key.GroupId, out var record))
        {
            record = new GroupRecord(key.GroupId);
            state.Groups.Add(key.GroupId, record);
        }
        else
        {
            var decision = Decide(record, key.Epoch);
            if (decision != GroupKeyAcceptance.Stored)
            {
                return (decision, false);
            }
        }

        var copy = Copy(key);
        record.DropPrevious();
        if (record.Current is not null)
        {
            if (AllowsGrace(reason) && _options.GracePeriod > TimeSpan.Zero)
            {
                record.Previous = record.Current;
                record.PreviousExpiresAtUnixMs = now + (long)_options.GracePeriod.TotalMilliseconds;
            }
            else
            {
                record.Current.Dispose();
            }
        }

        record.Current = copy;
        record.Status = GroupKeyStatus.Active;
        record.HighestSeenEpoch = key.Epoch;
        record.SendCounterReserved = 0;
        record.SendCounterNext = 1;
        return (GroupKeyAcceptance.Stored, true);
    }

    private static bool AllowsGrace(GroupKeyUpdateReason reason) => reason is
        GroupKeyUpdateReason.Created or GroupKeyUpdateReason.Rotated or GroupKeyUpdateReason.Periodic or GroupKeyUpdateReason.MemberJoined;

    private static (GroupKeyDeleteStatus, bool) DeleteCore(StoreState state, string groupId, ulong epoch)
    {
        if (!state.Groups.TryGetValue(groupId, out var record))
        {
            // Remember the deletion anyway: a broadcast of that epoch arriving late must not resurrect the key.
            record = new GroupRecord(groupId) { Status = GroupKeyStatus.Deleted, HighestSeenEpoch = epoch, DeletedAtEpoch = epoch };
            state.Groups.Add(groupId, record);
            return (GroupKeyDeleteStatus.UnknownGroup, true);
        }

        if (record.Status == GroupKeyStatus.Active && record.Current!.Epoch > epoch)
        {
            var changed = false;
            if (record.Previous is not null && record.Previous.Epoch <= epoch)
            {
                record.DropPrevious();
                changed = true;
            }

            if (record.DeletedAtEpoch < epoch)
            {
                record.DeletedAtEpoch = epoch;
                changed = true;
            }

            return (GroupKeyDeleteStatus.Stale, changed);
        }

        if (record.Status == GroupKeyStatus.Deleted && record.DeletedAtEpoch >= epoch)
        {
            return (GroupKeyDeleteStatus.Deleted, false);
        }

        record.Dispose();
        record.Status = GroupKeyStatus.Deleted;
        record.DeletedAtEpoch = epoch;
        record.HighestSeenEpoch = Math.Max(record.HighestSeenEpoch, epoch);
        record.SendCounterReserved = 0;
        record.SendCounterNext = 1;
        return (GroupKeyDeleteStatus.Deleted, true);
    }

    private async Task SaveAsync(StoreState state, CancellationToken cancellationToken)
    {
        var file = Seal(state);

        // Only a writer clears what a crashed write left behind: a reader opening the store beside the running
        // device (`cpns device status`) must not delete the device's temporary file between its write and its rename.
        if (!_leftoversDeleted)
        {
            StoreFile.DeleteLeftovers(FilePath);
            _leftoversDeleted = true;
        }

        await StoreFile.WriteAtomicAsync(FilePath, file, WriteHook, cancellationToken).ConfigureAwait(false);
    }

    // The file's bytes go in a buffer kept for the next write, like the plaintext's (fix 24 in bench/results/load-notes.md):
    // a new array per write was an eighth of a loaded fleet's allocations. Ciphertext only, so not wiped.
    private ReadOnlyMemory<byte> Seal(StoreState state)
    {
        var length = StoreCodec.EncodedLength(state);
        if (_plaintext.Length < length)
        {
            // Room for a few more groups before the next reallocation.
            _plaintext = GC.AllocateArray<byte>(length + (length / 2), pinned: true);
        }

        var fileLength = StoreFile.FileLength(state.PneId, length);
        if (_file.Length < fileLength)
        {
            _file = new byte[fileLength + (fileLength / 2)];
        }

        var plaintext = _plaintext.AsSpan(0, length);
        try
        {
            StoreCodec.Encode(state, plaintext);
            StoreFile.Seal(_deviceKey, state.PneId, plaintext, _file.AsSpan(0, fileLength));
            return _file.AsMemory(0, fileLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private async Task ReloadAsync()
    {
        StoreState fresh;
        try
        {
            fresh = await LoadAsync(FilePath, _deviceKey, PneId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DeviceStoreException)
        {
            // The file cannot be read back: stop serving rather than act on state that is not on disk.
            _disposed = true;
            _state.Dispose();
            throw;
        }

        var old = _state;
        Volatile.Write(ref _state, fresh);
        old.Dispose();
    }
}
