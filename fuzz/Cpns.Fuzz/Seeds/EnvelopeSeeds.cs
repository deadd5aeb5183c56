using Cpns.Protocol.V1;
using Google.Protobuf;

namespace Cpns.Fuzz.Seeds;

/// <summary>One valid envelope per body type, and the edge cases the codec refuses first.</summary>
internal static class EnvelopeSeeds
{
    public static IEnumerable<KeyValuePair<string, byte[]>> All()
    {
        foreach (var body in Enum.GetValues<Envelope.BodyOneofCase>().Where(c => c != Envelope.BodyOneofCase.None))
        {
            yield return new($"valid-{body}", Cpns.Protocol.Tests.Samples.Encoded(body));
        }

        var sample = Cpns.Protocol.Tests.Samples.Encoded(Envelope.BodyOneofCase.GroupKeyBroadcast);
        yield return new("edge-empty", []);
        yield return new("edge-truncated", sample[..(sample.Length / 2)]);
        yield return new("edge-unknown-field", [.. sample, 0xF8, 0x07, 0x01]);
        yield return new("edge-duplicated-field", [.. sample, 0x08, 0x01]);
        yield return new("edge-overlong-varint", [0x88, 0x00, 0x01]);
        yield return new("edge-deep-group", [.. Enumerable.Repeat((byte)0x7B, 40), .. Enumerable.Repeat((byte)0x7C, 40)]);
        var header = Cpns.Protocol.Tests.Samples.For(Envelope.BodyOneofCase.GkdkAssignmentRequest);
        header.GkdkAssignmentRequest = null;
        yield return new("edge-no-body", header.ToByteArray());
    }
}
