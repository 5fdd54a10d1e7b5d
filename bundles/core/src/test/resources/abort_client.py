"""Aborts a running transfer the ways real clients do, and prints the replies and what the data connection did.

usage: abort_client.py HOST PORT download|upload plain|urgent|synch|bsd NAME
plain:  'ABOR' as an ordinary line
urgent: Python's ftplib.FTP.abort(): the whole 'ABOR\\r\\n' sent as TCP urgent data (MSG_OOB)
synch:  Telnet IP, then the Synch (IAC DM, DM as the urgent byte, RFC 959 4.1.3), then 'ABOR'
bsd:    BSD ftp and lftp: IAC IP IAC, the last IAC urgent, then DM and 'ABOR'
"""
import ftplib
import socket
import sys
import threading
import time

host, port, direction, way, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
TOTAL = 256 << 20
ftp = ftplib.FTP()
ftp.connect(host, port, timeout=30)
ftp.login('alice', 'wonderland')
ftp.voidcmd('TYPE I')
conn = ftp.transfercmd(('RETR ' if direction == 'download' else 'STOR ') + name)
moved = 0
failure = []


def send_all():
    global moved
    block = b'\0' * (1 << 16)
    try:
        while moved < TOTAL:
            conn.sendall(block)
            moved += len(block)
    except OSError as error:
        failure.append(error)


if direction == 'download':
    while moved < 4 << 20:
        chunk = conn.recv(1 << 16)
        if not chunk:
            break
        moved += len(chunk)
else:
    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()
    while moved < 8 << 20:
        time.sleep(0.01)
print('BEFORE ABORT', moved, flush=True)

if way == 'urgent':
    try:
        print('REPLY', ftp.abort(), flush=True)
    except ftplib.Error as error:
        print('REPLY', error, flush=True)
else:
    if way == 'plain':
        ftp.sock.sendall(b'ABOR\r\n')
    elif way == 'synch':
        ftp.sock.sendall(b'\xff\xf4')
        ftp.sock.send(b'\xff\xf2', socket.MSG_OOB)
        ftp.sock.sendall(b'ABOR\r\n')
    elif way == 'bsd':
        ftp.sock.send(b'\xff\xf4\xff', socket.MSG_OOB)
        ftp.sock.sendall(b'\xf2ABOR\r\n')
    print('REPLY', ftp.getmultiline(), flush=True)
print('REPLY', ftp.getmultiline(), flush=True)

started = time.monotonic()
if direction == 'download':
    try:
        while True:
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            moved += len(chunk)
    except OSError:
        pass
    print('DATA ENDED after', moved, 'bytes in', round(time.monotonic() - started, 1), 's', flush=True)
else:
    sender.join(20)
    print('SENDER ENDED', 'yes' if not sender.is_alive() else 'no', 'after', moved, 'bytes', flush=True)
conn.close()
print('PWD', ftp.pwd(), flush=True)
ftp.quit()
print('DONE', flush=True)
