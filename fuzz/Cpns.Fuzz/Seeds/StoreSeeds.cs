using Cpns.Crypto;
using Cpns.Device.Storage;

namespace Cpns.Fuzz.Seeds;

/// <summary>Device key store contents from empty to fully paired with groups in every state.</summary>
internal static class StoreSeeds
{
    public static DeviceKey DeviceKey() => Device.Storage.DeviceKey.Import(FixedKeys.Bytes(Device.Storage.DeviceKey.KeySize, 0x77));

    public static IEnumerable<KeyValuePair<string, byte[]>> Plaintexts()
    {
        using (var empty = new StoreState("pne-fuzz"))
        {
            yield return new("valid-unpaired", StoreCodec.Encode(empty));
        }

        using var keys = FixedKeys.KeyMaterialSet(4);
        using var full = new StoreState("pne-fuzz")
        {
            PnId = "pn-fuzz",
            GatewayId = "gw-fuzz",
            EuKey = FixedKeys.WrappingKey(),
            Gkdk = BroadcastScheme.SubsetDifference.DeriveGkdk(keys, 3),
            ClientCertificate = FixedKeys.Bytes(300, 1),
            ClientKey = FixedKeys.Bytes(120, 2),
            PnCaCertificate = FixedKeys.Bytes(280, 3),
        };
        yield return new("valid-paired", StoreCodec.Encode(full));

        var active = new GroupRecord("group-a")
        {
            Status = GroupKeyStatus.Active,
            HighestSeenEpoch = 5,
            SendCounterReserved = 1000,
            Current = GroupKey.Import("group-a", 5, FixedKeys.Bytes(32, 4)),
            Previous = GroupKey.Import("group-a", 4, FixedKeys.Bytes(32, 5)),
            PreviousExpiresAtUnixMs = 1_735_689_600_000,
        };
        full.Groups.Add(active.GroupId, active);
        var deleted = new GroupRecord("group-d") { Status = GroupKeyStatus.Deleted, HighestSeenEpoch = 9, DeletedAtEpoch = 9 };
        full.Groups.Add(deleted.GroupId, deleted);
        var fresh = new GroupRecord("group-é") { Status = GroupKeyStatus.Active, HighestSeenEpoch = 1, Current = GroupKey.Import("group-é", 1, FixedKeys.Bytes(32, 6)) };
        full.Groups.Add(fresh.GroupId, fresh);
        var plaintext = StoreCodec.Encode(full);
        yield return new("valid-paired-groups", plaintext);

        yield return new("edge-empty", []);
        yield return new("edge-truncated", plaintext[..(plaintext.Length - 9)]);
        yield return new("edge-huge-gkdk-length", [2, 0, 1, (byte)'p', 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
}
