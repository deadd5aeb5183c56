using System.Security.Cryptography;
using Cpns.Device.Storage;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Device.Messaging;

/// <summary>
/// Seals and opens application messages to a Service Group under its current Group Key,
/// independent of the transport (docs/device.md §4–5). Each sender seals with AES-256-GCM under its
/// own key for the epoch, HKDF-derived from the Group Key and bound to group, epoch and sender id,
/// with a counter nonce that is persisted ahead of use and never repeats. Receivers drop replays
/// with a 1024-message sliding window per (group, epoch, sender), hold messages of an epoch they
/// have not received yet (bounded), and refuse deleted or superseded epochs.
/// </summary>
/// <remarks>
/// <para>
/// Sender authentication is limited: the Group Key is symmetric, so every member can derive every
/// member's sender key. An opened message proves it was sealed by a holder of the group's key for
/// that epoch, not by the PNE named in <see cref="GroupMessageReceipt.SenderPneId"/>; a malicious
/// member can forge any other member's sender id. Applications that need per-sender origin
/// authenticity must add a signature inside the payload.
/// </para>
/// <para>
/// Replay windows live in memory: after a restart, a message seen before the restart and still
/// under the current epoch could be accepted once more. Hold the device's application idempotent,
/// or rotate the Group Key, where that matters.
/// </para>
/// </remarks>
public sealed class GroupMessenger
{
    private const int EpochsTracked = 2;

    private readonly DeviceKeyStore _store;
    private readonly GroupMessengerOptions _options;
    private readonly Lock _lock = new();
    private readonly HeldMessageQueue _held;

    // group -> epoch -> sender -> window. Only the current and grace epochs can open messages, so at
    // most two epochs per group are kept.
    private readonly Dictionary<string, SortedDictionary<ulong, Dictionary<string, ReplayWindow>>> _windows = new(StringComparer.Ordinal);

    /// <summary>Creates a messenger over the PNE's key store.</summary>
    public GroupMessenger(DeviceKeyStore store, GroupMessengerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new GroupMessengerOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider);
        if (options.HoldCapacity < 0 || options.HoldTime < TimeSpan.Zero || options.MaxSendersPerEpoch < 1)
        {
            DeviceThrow.ArgumentOutOfRange(nameof(options), "Hold capacity and time cannot be negative; at least one sender must be tracked.");
        }

        _store = store;
        _options = options;
        _held = new HeldMessageQueue(options.HoldCapacity);
    }

    /// <summary>The number of messages waiting for their epoch's key.</summary>
    public int HeldCount
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// Seals <paramref name="payload"/> to the group under the current Group Key and returns the
    /// encoded <c>GroupMessage</c> to publish.
    /// </summary>
    /// <exception cref="ArgumentException">The group id is empty or too long, or the payload exceeds 64 KiB.</exception>
    /// <exception cref="InvalidOperationException">The device holds no active key of the group.</exception>
    /// <exception cref="DeviceStoreException">Reserving counters could not be written to the store.</exception>
    public Task<byte[]> SealAsync(string groupId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        if (!GroupMessageCodec.IsValidId(groupId))
        {
            DeviceThrow.Argument(nameof(groupId), "A group id is 1 to 256 UTF-8 bytes.");
        }

        if (payload.Length > GroupMessageCodec.MaxPayloadSize)
        {
            DeviceThrow.Argument(nameof(payload), "A group message payload is at most 64 KiB.");
        }

        if (!GroupMessageCodec.IsValidId(_store.PneId))
        {
            DeviceThrow.InvalidOperation("The PNE id is longer than a group message allows (256 UTF-8 bytes).");
        }

        return SealCoreAsync(groupId, payload, cancellationToken);
    }

    /// <summary>
    /// Opens an encoded <c>GroupMessage</c>. Never throws for bad input: every outcome, including
    /// malformed or oversized bytes, is a <see cref="GroupMessageReceipt"/> with a specific status.
    /// </summary>
    public Task<GroupMessageReceipt> OpenAsync(ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken = default)
    {
        var status = GroupMessageCodec.TryDecode(encoded.Span, out var message);
        return status != GroupMessageStatus.Opened
            ? Task.FromResult(new GroupMessageReceipt(status))
            : OpenCoreAsync(message!, allowHold: true, cancellationToken);
    }

    /// <summary>
    /// Retries the held messages; call it after a Group Key was stored. Returns the ones that are
    /// settled: opened, refused, or expired. Messages whose key has still not arrived stay held.
    /// </summary>
    public async Task<IReadOnlyList<GroupMessageReceipt>> OpenHeldAsync(CancellationToken cancellationToken = default)
    {
        List<(GroupMessage Message, long HeldAtUnixMs)> items;
        lock (_lock)
        {
            items = _held.TakeAll();
        }

        var now = Now();
        var holdMs = (long)_options.HoldTime.TotalMilliseconds;
        var settled = new List<GroupMessageReceipt>();
        var stillHeld = new List<(GroupMessage, long)>();
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                var (message, heldAt) = items[i];
                if (now - heldAt >= holdMs)
                {
                    settled.Add(Receipt(GroupMessageStatus.Expired, message));
                    continue;
                }

                var receipt = await OpenCoreAsync(message, allowHold: false, cancellationToken).ConfigureAwait(false);
                if (receipt.Status == GroupMessageStatus.Held)
                {
                    stillHeld.Add(items[i]);
                }
                else
                {
                    settled.Add(receipt);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Messages not yet looked at go back to the queue with the ones still waiting.
            stillHeld.AddRange(items.Skip(settled.Count + stillHeld.Count));
            throw;
        }
        finally
        {
            lock (_lock)
            {
                _held.Restore(stillHeld);
            }
        }

        return settled;
    }

    private static GroupMessageReceipt Receipt(GroupMessageStatus status, GroupMessage message, byte[]? payload = null) =>
        new(status, message.GroupId, message.Epoch, message.SenderPneId, message.Counter, payload);

    private long Now() => _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private async Task<byte[]> SealCoreAsync(string groupId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var key = GC.AllocateArray<byte>(GroupMessageKeys.KeySize, pinned: true);
        try
        {
            var (epoch, counter) = await _store.ReserveSendAsync(groupId, key, cancellationToken).ConfigureAwait(false);
            var sender = _store.PneId;
            var ciphertext = new byte[payload.Length + GroupMessageKeys.TagSize];
            Span<byte> nonce = stackalloc byte[GroupMessageKeys.NonceSize];
            GroupMessageKeys.Nonce(counter, nonce);
            using (var aead = new AesGcm(key, GroupMessageKeys.TagSize))
            {
                aead.Encrypt(
                    nonce,
                    payload.Span,
                    ciphertext.AsSpan(0, payload.Length),
                    ciphertext.AsSpan(payload.Length),
                    GroupMessageKeys.AssociatedData(groupId, epoch, sender, counter));
            }

            return new GroupMessage
            {
                GroupId = groupId,
                Epoch = epoch,
                SenderPneId = sender,
                Counter = counter,
                Ciphertext = UnsafeByteOperations.UnsafeWrap(ciphertext),
            }.ToByteArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private async Task<GroupMessageReceipt> OpenCoreAsync(GroupMessage message, bool allowHold, CancellationToken cancellationToken)
    {
        var key = GC.AllocateArray<byte>(GroupMessageKeys.KeySize, pinned: true);
        try
        {
            var lookup = await _store.LookupReceiveKeyAsync(message.GroupId, message.Epoch, message.SenderPneId, key, cancellationToken).ConfigureAwait(false);
            switch (lookup)
            {
                case KeyLookup.UnknownGroup:
                    return Receipt(GroupMessageStatus.UnknownGroup, message);
                case KeyLookup.Deleted:
                    return Receipt(GroupMessageStatus.KeyDeleted, message);
                case KeyLookup.Superseded:
                    return Receipt(GroupMessageStatus.EpochSuperseded, message);
                case KeyLookup.Future:
                    return Receipt(allowHold ? Hold(message) : GroupMessageStatus.Held, message);
                default:
                    break;
            }

            lock (_lock)
            {
                if (Window(message, create: false) is { } window && !window.IsFresh(message.Counter))
                {
                    return Receipt(GroupMessageStatus.Replay, message);
                }
            }

            var ciphertext = message.Ciphertext.Span;
            var payload = new byte[ciphertext.Length - GroupMessageKeys.TagSize];
            Span<byte> nonce = stackalloc byte[GroupMessageKeys.NonceSize];
            GroupMessageKeys.Nonce(message.Counter, nonce);
            try
            {
                using var aead = new AesGcm(key, GroupMessageKeys.TagSize);
                aead.Decrypt(
                    nonce,
                    ciphertext[..payload.Length],
                    ciphertext[payload.Length..],
                    payload,
                    GroupMessageKeys.AssociatedData(message.GroupId, message.Epoch, message.SenderPneId, message.Counter));
            }
            catch (AuthenticationTagMismatchException)
            {
                CryptographicOperations.ZeroMemory(payload);
                return Receipt(GroupMessageStatus.AuthenticationFailed, message);
            }

            lock (_lock)
            {
                // Marked only after authentication (RFC 4303 §3.4.3), and re-checked: a copy may have
                // been opened concurrently since the first check.
                var window = Window(message, create: true);
                if (window is null || !window.TryMark(message.Counter))
                {
                    CryptographicOperations.ZeroMemory(payload);
                    return Receipt(GroupMessageStatus.Replay, message);
                }
            }

            return Receipt(GroupMessageStatus.Opened, message, payload);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private GroupMessageStatus Hold(GroupMessage message)
    {
        lock (_lock)
        {
            return _held.TryAdd(message, Now(), (long)_options.HoldTime.TotalMilliseconds)
                ? GroupMessageStatus.Held
                : GroupMessageStatus.HoldQueueFull;
        }
    }

    // Caller holds _lock. Returns null when the sender cap is reached and no window exists.
    private ReplayWindow? Window(GroupMessage message, bool create)
    {
        if (!_windows.TryGetValue(message.GroupId, out var epochs))
        {
            if (!create)
            {
                return null;
            }

            epochs = [];
            _windows.Add(message.GroupId, epochs);
        }

        if (!epochs.TryGetValue(message.Epoch, out var senders))
        {
            if (!create)
            {
                return null;
            }

            senders = new Dictionary<string, ReplayWindow>(StringComparer.Ordinal);
            epochs.Add(message.Epoch, senders);
            while (epochs.Count > EpochsTracked)
            {
                // Epochs only grow and only the current and grace epochs open messages: the lowest is dead.
                epochs.Remove(epochs.Keys.First());
            }

            if (!epochs.ContainsKey(message.Epoch))
            {
                return null;
            }
        }

        if (!senders.TryGetValue(message.SenderPneId, out var window))
        {
            if (!create || senders.Count >= _options.MaxSendersPerEpoch)
            {
                return null;
            }

            window = new ReplayWindow();
            senders.Add(message.SenderPneId, window);
        }

        return window;
    }
}
