namespace NevHub.Protocols.Jt808;
