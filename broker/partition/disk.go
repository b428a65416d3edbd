package partition

import (
	"syscall"
	"time"
)

// freeDisk returns the space available to unprivileged writers in dir's file system.
func freeDisk(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// watchDisk checks the data directory's free space every second, and refuses client
// commands while it is below the watermark.
func (p *Partition) watchDisk() {
	defer p.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.ctx.Done():
			return
		case <-t.C:
			p.checkDisk()
		}
	}
}

func (p *Partition) checkDisk() {
	if p.cfg.MinFreeDisk < 0 {
		return
	}
	free, err := p.cfg.FreeDisk(p.cfg.Dir)
	if err != nil {
		p.log.Warn("cannot read free disk space", "dir", p.cfg.Dir, "err", err)
		return
	}
	low := free < p.cfg.MinFreeDisk
	if was := p.diskLow.Swap(low); was != low {
		if low {
			p.log.Warn("free disk space below the watermark: refusing commands", "free", free, "watermark", p.cfg.MinFreeDisk)
		} else {
			p.log.Info("free disk space above the watermark again: accepting commands", "free", free)
		}
	}
}
