namespace NevHub.Protocols.Gbt32960;
