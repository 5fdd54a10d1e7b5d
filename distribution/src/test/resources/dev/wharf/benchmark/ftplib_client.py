"""The benchmark's second client: Python's own ftplib, far cheaper per command than Commons Net.

One batch per call, timed from the first command after the login to the last reply, so that neither the
interpreter's start nor the login counts. Prints one line: "seconds=S units=N".

  ftplib_client.py PORT USER PASSWORD retr NAME [tls]
  ftplib_client.py PORT USER PASSWORD stor NAME BYTES [tls]
  ftplib_client.py PORT USER PASSWORD get DIRECTORY COUNT BYTES
  ftplib_client.py PORT USER PASSWORD put DIRECTORY COUNT BYTES
  ftplib_client.py PORT USER PASSWORD listing COMMAND DIRECTORY COUNT MIN_LINES
"""
import ftplib
import io
import ssl
import sys
import time

BLOCK = 1 << 20


def connect(port, user, password, tls):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        ftp = ftplib.FTP_TLS(context=context, timeout=120)
    else:
        ftp = ftplib.FTP(timeout=120)
    ftp.connect("127.0.0.1", port)
    ftp.login(user, password)
    if tls:
        ftp.prot_p()
    ftp.voidcmd("TYPE I")
    return ftp


def retr(ftp, name):
    received = 0
    with ftp.transfercmd("RETR " + name) as data:
        while True:
            chunk = data.recv(BLOCK)
            if not chunk:
                break
            received += len(chunk)
        if isinstance(data, ssl.SSLSocket):
            data.unwrap()
    ftp.voidresp()
    return received


def stor(ftp, name, size):
    block = bytes(range(256)) * (BLOCK // 256)
    with ftp.transfercmd("STOR " + name) as data:
        sent = 0
        while sent < size:
            piece = block[: min(BLOCK, size - sent)]
            data.sendall(piece)
            sent += len(piece)
        if isinstance(data, ssl.SSLSocket):
            data.unwrap()
    ftp.voidresp()
    return sent


def main():
    port, user, password, verb = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    args = sys.argv[5:]
    tls = args[-1:] == ["tls"]
    ftp = connect(port, user, password, tls)
    started = time.perf_counter()
    if verb == "retr":
        units = retr(ftp, args[0])
    elif verb == "stor":
        units = stor(ftp, args[0], int(args[1]))
    elif verb in ("get", "put"):
        directory, count, size = args[0], int(args[1]), int(args[2])
        if verb == "put":
            try:
                ftp.mkd(directory)
            except ftplib.error_perm:
                pass  # there already
            started = time.perf_counter()
        ftp.cwd(directory)
        content = bytes(size)
        for i in range(count):
            name = "f%05d.bin" % i
            if verb == "get":
                got = bytearray()
                ftp.retrbinary("RETR " + name, got.extend, blocksize=65536)
                if len(got) != size:
                    raise SystemExit("%s: %d bytes, expected %d" % (name, len(got), size))
            else:
                ftp.storbinary("STOR " + name, io.BytesIO(content), blocksize=65536)
        units = count
    elif verb == "listing":
        command, directory, count, min_lines = args[0], args[1], int(args[2]), int(args[3])
        for _ in range(count):
            lines = 0
            with ftp.transfercmd(command + " " + directory) as data:
                while True:
                    chunk = data.recv(65536)
                    if not chunk:
                        break
                    lines += chunk.count(b"\n")
            ftp.voidresp()
            if lines < min_lines:
                raise SystemExit("%s: %d lines, expected %d" % (command, lines, min_lines))
        units = count
    else:
        raise SystemExit("unknown workload " + verb)
    seconds = time.perf_counter() - started
    try:
        ftp.quit()
    except (ftplib.Error, OSError):
        pass
    print("seconds=%.6f units=%d" % (seconds, units))


if __name__ == "__main__":
    main()
