using Cpns.Device.Messaging;
using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Fuzz.Targets;

/// <summary><see cref="GroupMessageCodec.TryDecode"/>, the PNE's decoder of group messages from other PNEs: never throws.</summary>
internal sealed class GroupMessageTarget : FuzzTarget
{
    public override string Name => "group-message";

    public override string Description => "GroupMessageCodec.TryDecode, the PNE's group message decoder (no exception)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var status = GroupMessageCodec.TryDecode(input, out var message);
        Check((status == GroupMessageStatus.Opened) == (message is not null), "a message comes with Opened only");
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => GroupMessageSeeds();

    /// <summary>Group messages as a PNE seals them, shared with the gateway's relay target.</summary>
    public static IEnumerable<KeyValuePair<string, byte[]>> GroupMessageSeeds()
    {
        yield return new("valid-small", new GroupMessage { GroupId = "group-a", Epoch = 3, SenderPneId = "pne-a1", Counter = 1, Ciphertext = ByteString.CopyFrom(new byte[40]) }.ToByteArray());
        yield return new("valid-large-counter", new GroupMessage { GroupId = "g", Epoch = ulong.MaxValue, SenderPneId = "p", Counter = ulong.MaxValue, Ciphertext = ByteString.CopyFrom(new byte[16]) }.ToByteArray());
        yield return new("edge-no-ciphertext", new GroupMessage { GroupId = "group-a", Epoch = 1, SenderPneId = "pne-a1", Counter = 1 }.ToByteArray());
        yield return new("edge-empty", []);
    }
}
