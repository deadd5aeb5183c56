using System.Security.Cryptography;
using System.Text;
using Cpns.Crypto;
using Cpns.Device.Storage;

namespace Cpns.Device.Groups;

/// <summary>
/// The PNE's side of Group Key delivery and deletion, independent of the transport: opens a
/// <see cref="GroupKeyBroadcast"/> with the stored GKDK, applies the epoch rules and stores the key;
/// deletes keys on a Group Key Delete. Never throws for a bad broadcast: every outcome is a status.
/// </summary>
public sealed class GroupKeyReceiver
{
    private const int MaxGroupIdBytes = 1024;

    private readonly DeviceKeyStore _store;

    /// <summary>Creates a receiver over the PNE's key store.</summary>
    public GroupKeyReceiver(DeviceKeyStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>
    /// Decrypts <paramref name="broadcast"/> with the stored GKDK and stores the Group Key if its epoch is new.
    /// </summary>
    /// <param name="broadcast">The Group Key Notification broadcast by the PN Gateway.</param>
    /// <param name="reason">
    /// Why the epoch exists, when the transport knows it; it decides whether the previous key keeps a
    /// grace period (see <see cref="DeviceKeyStore.AcceptGroupKeyAsync"/>). Unspecified fails closed.
    /// </param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    public Task<GroupKeyReceiveStatus> ReceiveAsync(
        GroupKeyBroadcast broadcast,
        GroupKeyUpdateReason reason = GroupKeyUpdateReason.Unspecified,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(broadcast);
        return ReceiveCoreAsync(broadcast, reason, cancellationToken);
    }

    /// <summary>Deletes the group's keys up to and including <paramref name="epoch"/> (a Group Key Delete).</summary>
    public Task<GroupKeyDeleteStatus> DeleteAsync(string groupId, ulong epoch, CancellationToken cancellationToken = default) =>
        _store.DeleteGroupKeyAsync(groupId, epoch, cancellationToken);

    private static bool ValidGroupId(string groupId) =>
        groupId.Length > 0 && Encoding.UTF8.GetByteCount(groupId) <= MaxGroupIdBytes;

    private async Task<GroupKeyReceiveStatus> ReceiveCoreAsync(GroupKeyBroadcast broadcast, GroupKeyUpdateReason reason, CancellationToken cancellationToken)
    {
        var pnId = _store.PnId;
        if (pnId is null || !string.Equals(pnId, broadcast.PnId, StringComparison.Ordinal))
        {
            return GroupKeyReceiveStatus.WrongPn;
        }

        if (!ValidGroupId(broadcast.GroupId) || broadcast.Epoch == 0)
        {
            return GroupKeyReceiveStatus.Malformed;
        }

        GroupKey? groupKey = null;
        var status = await _store.ReadAsync(state => Decrypt(state.Gkdk, broadcast, out groupKey), cancellationToken).ConfigureAwait(false);
        if (status != GroupKeyReceiveStatus.Stored)
        {
            return status;
        }

        using (groupKey)
        {
            var acceptance = await _store.AcceptGroupKeyAsync(groupKey!, reason, cancellationToken).ConfigureAwait(false);
            return acceptance switch
            {
                GroupKeyAcceptance.Stored => GroupKeyReceiveStatus.Stored,
                GroupKeyAcceptance.Duplicate => GroupKeyReceiveStatus.Duplicate,
                _ => GroupKeyReceiveStatus.Rollback,
            };
        }
    }

    private static GroupKeyReceiveStatus Decrypt(Gkdk? gkdk, GroupKeyBroadcast broadcast, out GroupKey? groupKey)
    {
        groupKey = null;
        if (gkdk is null)
        {
            // Without a GKDK the PNE cannot be covered by any header entry.
            return GroupKeyReceiveStatus.NotARecipient;
        }

        BroadcastDecryptStatus status;
        try
        {
            status = BroadcastScheme.Get(gkdk.Scheme).TryDecrypt(gkdk, broadcast, out groupKey);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or CryptographicException)
        {
            return GroupKeyReceiveStatus.Malformed;
        }

        return status switch
        {
            BroadcastDecryptStatus.Success => GroupKeyReceiveStatus.Stored,
            BroadcastDecryptStatus.NotARecipient => GroupKeyReceiveStatus.NotARecipient,
            BroadcastDecryptStatus.AuthenticationFailed => GroupKeyReceiveStatus.AuthenticationFailed,
            _ => GroupKeyReceiveStatus.Malformed,
        };
    }
}
