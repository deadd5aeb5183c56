using Cpns.Device.Messaging;

namespace Cpns.Device.Storage;

/// <summary>The store's services to <see cref="GroupMessenger"/>: sender counters and receive keys.</summary>
public sealed partial class DeviceKeyStore
{
    /// <summary>
    /// Takes the next send counter of the group's current epoch and derives this PNE's sender key
    /// into <paramref name="senderKey"/>. Counters are reserved on disk <see cref="DeviceKeyStoreOptions.CounterReservation"/>
    /// at a time, before use, so a crash skips counters but never reuses one.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device holds no active key of the group.</exception>
    internal Task<(ulong Epoch, ulong Counter)> ReserveSendAsync(string groupId, byte[] senderKey, CancellationToken cancellationToken) =>
        UpdateAsync(
            (state, _) =>
            {
                if (!state.Groups.TryGetValue(groupId, out var record) || record.Current is null)
                {
                    DeviceThrow.InvalidOperation("The device holds no active Group Key for the group.");
                }

                var changed = false;
                if (record.SendCounterNext > record.SendCounterReserved)
                {
                    if (record.SendCounterNext == ulong.MaxValue)
                    {
                        DeviceThrow.InvalidOperation("The group's message counter is exhausted for this epoch; a new Group Key epoch is needed.");
                    }

                    var reserve = (ulong)_options.CounterReservation;
                    record.SendCounterReserved = ulong.MaxValue - record.SendCounterNext < reserve
                        ? ulong.MaxValue - 1
                        : record.SendCounterNext - 1 + reserve;
                    changed = true;
                }

                var counter = record.SendCounterNext;
                record.SendCounterNext = counter + 1;
                GroupMessageKeys.DeriveSenderKey(record.Current, state.PneId, senderKey);
                return ((record.Current.Epoch, counter), changed);
            },
            cancellationToken);

    /// <summary>Derives the key of (group, epoch, sender) into <paramref name="senderKey"/> when the device may open that epoch.</summary>
    internal Task<KeyLookup> LookupReceiveKeyAsync(string groupId, ulong epoch, string senderPneId, byte[] senderKey, CancellationToken cancellationToken) =>
        UpdateAsync(
            (state, _) =>
            {
                if (!state.Groups.TryGetValue(groupId, out var record))
                {
                    return (KeyLookup.UnknownGroup, false);
                }

                if (record.Current is null)
                {
                    return (epoch <= record.HighestSeenEpoch ? KeyLookup.Deleted : KeyLookup.Future, false);
                }

                var key = record.Current.Epoch == epoch ? record.Current
                    : record.Previous?.Epoch == epoch ? record.Previous
                    : null;
                if (key is not null)
                {
                    GroupMessageKeys.DeriveSenderKey(key, senderPneId, senderKey);
                    return (KeyLookup.Found, false);
                }

                var lookup = epoch > record.Current.Epoch ? KeyLookup.Future
                    : epoch <= record.DeletedAtEpoch ? KeyLookup.Deleted
                    : KeyLookup.Superseded;
                return (lookup, false);
            },
            cancellationToken);
}
