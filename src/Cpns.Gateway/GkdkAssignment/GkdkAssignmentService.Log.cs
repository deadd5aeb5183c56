using Microsoft.Extensions.Logging;

namespace Cpns.Gateway.GkdkAssignment;

public sealed partial class GkdkAssignmentService
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "6.1.2.2 step 1: GKDK Assignment Request from PNE {PneId}")]
        public static partial void Step1Request(ILogger logger, string pneId);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "6.1.2.2 step 2: key material set stored (height {Height}); proceeding to step 4")]
        public static partial void Step2HasKeyMaterial(ILogger logger, int height);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "6.1.2.2 step 2: no key material set stored; proceeding to step 3")]
        public static partial void Step2NoKeyMaterial(ILogger logger);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "6.1.2.2 step 3: key material set created and stored (height {Height})")]
        public static partial void Step3Created(ILogger logger, int height);

        [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "6.1.2.2 step 4: PNE {PneId} assigned the next free leaf {Leaf}; GKDK derived")]
        public static partial void Step4NewLeaf(ILogger logger, string pneId, int leaf);

        [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "6.1.2.2 step 4: PNE {PneId} asked again; its leaf {Leaf} kept; GKDK derived")]
        public static partial void Step4ExistingLeaf(ILogger logger, string pneId, int leaf);

        [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "6.1.2.2 step 5: GKDK of PNE {PneId} (leaf {Leaf}) wrapped under its EU-Key for the GKDK Assignment Response")]
        public static partial void Step5Wrapped(ILogger logger, string pneId, int leaf);

        [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "GKDK Assignment Request from PNE {PneId} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string pneId, GkdkAssignmentStatus reason);
    }
}
