using Cpns.Gateway.Hosting;
using Cpns.Protocol;
using Cpns.Protocol.V1;
using Cpns.Transport;
using Google.Protobuf;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// The gateway's decoding of a payload on a PNE's up topic and of a relayed group message, as
/// GatewayHost.HandlePneUpAsync and DeliverRelayedGroupMessageAsync do it before any database work: the first
/// byte chooses Envelope (<see cref="EnvelopeCodec.TryDecode"/>) or GroupMessage (the protobuf parser, which may
/// throw only InvalidProtocolBufferException, then the id checks). The host itself needs a broker and a database
/// per input, so this target repeats its decoding calls in the same order.
/// </summary>
internal sealed class GatewayPneUpTarget : FuzzTarget
{
    public override string Name => "gateway-pne-up";

    public override string Description => "the gateway's PNE uplink decoding: Envelope or GroupMessage by first byte (InvalidProtocolBufferException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        if (input[0] == 0x0A)
        {
            if (input.Length > GatewayHost.MaxGroupMessageSize)
            {
                return;
            }

            GroupMessage message;
            try
            {
                message = GroupMessage.Parser.ParseFrom(input);
            }
            catch (InvalidProtocolBufferException)
            {
                return;
            }

            if (Topics.IsValidId(message.GroupId) && message.Epoch != 0 && message.Counter != 0 && message.Ciphertext.Length >= 16)
            {
                _ = Topics.PnMessages("pn-fuzz", message.GroupId);
            }

            return;
        }

        if (input[0] == 0x08 && EnvelopeCodec.TryDecode(input, out var envelope, out _))
        {
            _ = envelope.BodyCase switch
            {
                Envelope.BodyOneofCase.GkdkAssignmentRequest => envelope.GkdkAssignmentRequest.PneId,
                Envelope.BodyOneofCase.PneGroupKeyResponse => ProtocolMapping.ToDecryptStatus(envelope.PneGroupKeyResponse.Status).ToString(),
                Envelope.BodyOneofCase.GroupKeyDeleteResponse => envelope.GroupKeyDeleteResponse.PneId,
                _ => envelope.BodyCase.ToString(),
            };
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        foreach (var body in new[] { Envelope.BodyOneofCase.GkdkAssignmentRequest, Envelope.BodyOneofCase.PneGroupKeyResponse, Envelope.BodyOneofCase.GroupKeyDeleteResponse })
        {
            yield return new($"valid-{body}", Cpns.Protocol.Tests.Samples.Encoded(body));
        }

        foreach (var seed in GroupMessageTarget.GroupMessageSeeds())
        {
            yield return seed;
        }
    }
}
